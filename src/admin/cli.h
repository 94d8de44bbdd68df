// The `sealmail` command line (src/admin). Every error is one line on stderr and a non-zero exit.
#pragma once

namespace sealmail::admin {

int run(int argc, char** argv);

}  // namespace sealmail::admin

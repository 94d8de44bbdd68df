// `sealmail mailbox ...`: the store from the command line, a mailbox named by its file.
#pragma once

#include <CLI/CLI.hpp>

namespace sealmail::admin {

void add_mailbox_commands(CLI::App& app, int& exit_code);

}  // namespace sealmail::admin

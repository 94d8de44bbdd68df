// `sealmail domain|alias|account ...`: the directory from the command line, on the same data
// directory as a running server (changes apply at once, without a restart).
#pragma once

#include <CLI/CLI.hpp>

namespace sealmail::admin {

void add_directory_commands(CLI::App& app, std::string& data_dir, int& exit_code);

}  // namespace sealmail::admin

// `sealmail serve`: one process, Asio I/O threads plus a worker pool, the listeners of the
// configuration; SIGTERM drains and stops, SIGHUP reloads the configuration and certificates.
#pragma once

#include <CLI/CLI.hpp>

namespace sealmail::admin {

void add_serve_command(CLI::App& app, std::string& data_dir, int& exit_code);

}  // namespace sealmail::admin

// `sealmail quickstart you@example.com` (in the spirit of `mox quickstart`): a data directory, a
// config file, the domain, the address with its encrypted mailbox, DKIM keys, the admin token and
// a certificate; prints the password once, the DNS records to publish, and how to start.
#pragma once

#include <CLI/CLI.hpp>

namespace sealmail::admin {

void add_quickstart_command(CLI::App& app, std::string& data_dir, int& exit_code);

}  // namespace sealmail::admin

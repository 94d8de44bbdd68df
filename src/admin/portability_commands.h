// Take your mail and leave (issue 10), by address: `sealmail export ADDRESS --format
// mbox|zip|sqlite --to PATH` and `sealmail import ADDRESS SOURCE --from mbox|maildir|zip`, with
// the alias password ($SEALMAIL_PASSWORD or --password-file). The work is the store's
// (store/portability.h); these find the mailbox and check the password as a login would.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace sealmail::admin {

void add_portability_commands(CLI::App& app, std::string& data_dir, int& exit_code);

}  // namespace sealmail::admin

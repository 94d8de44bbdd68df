// `sealmail alias pgp-key ADDRESS --set FILE | --remove | --show | --wkd` (issue 9): the OpenPGP
// public key of an exact alias (mail_admin.h: set_pgp_key and the rest). The directory is shared
// with a running server, so a change applies to the next message without a restart.
//
//   sealmail alias pgp-key hello@example.com --set key.asc     (or "-" for standard input)
//   sealmail alias pgp-key hello@example.com --show            prints the armored key
//   sealmail alias pgp-key hello@example.com --wkd             finds it by WKD ([openpgp] of config.toml)
//   sealmail alias pgp-key hello@example.com --remove
#pragma once

#include <CLI/CLI.hpp>

namespace sealmail::admin {

// Adds "pgp-key" under the existing "alias" command.
void add_pgp_key_commands(CLI::App& app, std::string& data_dir, int& exit_code);

}  // namespace sealmail::admin

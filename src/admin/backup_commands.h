// `sealmail backup list|run|download|restore ADDRESS` and `sealmail purge ADDRESS`: an alias's
// backups in the configured target ([backup] in DATA_DIR/config.toml). run and restore open the
// mailbox, so they need its password ($SEALMAIL_PASSWORD or --password-file); list and download
// handle ciphertext only and need none.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace sealmail::admin {

void add_backup_commands(CLI::App& app, std::string& data_dir, int& exit_code);

}  // namespace sealmail::admin

// The configuration file as a TOML table. Each section has its reader (core/config.cc,
// backup/backup_config.cc, delivery/screening/screening_config.cc, delivery/pgp/wkd.cc), and
// every one of them parses the same file: one place says how a syntax error reads.
#pragma once

#include <toml++/toml.h>

#include <filesystem>

#include "core/result.h"

namespace sealmail {

// The file parsed; a syntax error is Errc::invalid_argument "config: FILE line N: what is wrong".
Result<toml::table> parse_toml_file(const std::filesystem::path& file);

}  // namespace sealmail

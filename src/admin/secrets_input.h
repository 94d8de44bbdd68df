// Reading passwords for the CLI: from a file (--password-file) or an environment variable, never
// from argv (which every user of the machine can read in /proc).
#pragma once

#include <string>

#include "core/result.h"
#include "crypto/secret.h"

namespace sealmail::admin {

// The first line of `file` (without its newline), or, when `file` is empty, the variable `env`.
Result<crypto::SecretBuffer> read_password(const std::string& file, const char* env);

}  // namespace sealmail::admin

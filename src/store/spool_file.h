// One sealed spool entry: writing and reading the file format documented in store/spool.h.
// Internal to src/store (store/spool.cc uses it).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/sealed_box.h"

namespace sealmail::store::spool_file {

struct Opened {
  std::string message;  // plaintext: the caller wipes it once stored
  int64_t internal_date = 0;
};

// Writes the sealed entry to `fd` (an empty file opened for writing); does not fsync.
Status write(int fd, const std::array<uint8_t, 32>& public_key, std::string_view message, int64_t internal_date);
// Opens an entry with the mailbox's key pair. Errc::corrupt (with a reason a human can act on)
// when it is not a spool file, is truncated or damaged, or was sealed to another key.
Result<Opened> read(const std::filesystem::path& path, const crypto::BoxKeyPair& keys);

}  // namespace sealmail::store::spool_file

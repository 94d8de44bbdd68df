// The key of an encrypted mailbox, as SQLite3 Multiple Ciphers' chacha20 (sqleet) cipher defines
// it: PBKDF2-HMAC-SHA256(password, salt, 64007 iterations) -> 32 bytes, where the 16-byte salt is
// the first 16 bytes of the database file. Deriving it ourselves once per login (~32 ms) lets every
// further connection open with the raw form `raw:<64 hex key><32 hex salt>` (~0.25 ms), while the
// file stays openable by any SQLite3 Multiple Ciphers tool given only the password.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>

#include "core/result.h"
#include "crypto/secret.h"

namespace sealmail::crypto {

inline constexpr int kMailboxKdfIterations = 64007;  // sqlite3mc chacha20 default (sqleet)
inline constexpr size_t kMailboxKeySize = 32;
inline constexpr size_t kMailboxSaltSize = 16;

using Salt = std::array<uint8_t, kMailboxSaltSize>;

class MailboxKey {
 public:
  // PBKDF2 over the password with the given salt.
  static MailboxKey derive(const SecretBuffer& password, const Salt& salt);
  MailboxKey clone() const;

  const Salt& salt() const { return salt_; }
  // "raw:<hex key><hex salt>" in locked memory, for sqlite3_key_v2.
  SecretBuffer raw_key_string() const;
  bool same_as(const MailboxKey& other) const { return key_.equals(other.key_) && salt_ == other.salt_; }

 private:
  MailboxKey(SecretBuffer key, const Salt& salt) : key_(std::move(key)), salt_(salt) {}
  SecretBuffer key_;
  Salt salt_;
};

Salt random_salt();
// The salt of an existing encrypted database: its first 16 bytes.
Result<Salt> read_salt(const std::filesystem::path& database_file);

}  // namespace sealmail::crypto

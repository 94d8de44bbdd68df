// A cache of recent successful logins (like Dovecot's auth_cache), so that a client that logs in
// again and again (phones reconnecting, IMAP clients opening several connections, ImapTest) does
// not pay Argon2id's ~50 ms and 64 MiB each time.
//
// Rules this class keeps:
// - It never holds a password: an entry is HMAC-SHA256(password) under a random key made at start
//   (in locked memory), so a memory dump gives nothing to test guesses against offline without
//   the key, and nothing survives a restart.
// - An entry is bound to the alias's current password hash: a password change (a new Argon2id
//   string) misses the cache at once, whatever the TTL.
// - Only successes are cached; failures always pay the full Argon2id price (and the caller's
//   throttle), so the cache gives an attacker no faster oracle.
// - Thread-safe; bounded (oldest entries dropped).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/result.h"
#include "crypto/secret.h"
#include "directory/directory.h"

namespace sealmail::directory {

class LoginCache {
 public:
  explicit LoginCache(std::chrono::seconds ttl = std::chrono::hours(1), size_t max_entries = 10000);

  // Directory::verify_login, answered from the cache when the same password for the same alias
  // (with the same stored hash) succeeded within the TTL.
  Result<Alias> verify(Directory& directory, std::string_view address, const crypto::SecretBuffer& password);

  size_t hits() const { return hits_; }

 private:
  using Digest = std::array<uint8_t, 32>;
  struct Entry {
    Digest digest;
    std::string password_hash;
    std::chrono::steady_clock::time_point expires;
    std::list<std::string>::iterator age;
  };
  Digest digest(std::string_view address, const crypto::SecretBuffer& password) const;

  std::chrono::seconds ttl_;
  size_t max_entries_;
  crypto::SecretBuffer key_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // by lowercased address
  std::list<std::string> order_;                    // oldest first
  size_t hits_ = 0;
};

}  // namespace sealmail::directory

// The queue's file encryption (DESIGN.md point 7): every file of the outbound queue and of its
// history is "SMQ1", a random 24-byte nonce, and XChaCha20-Poly1305 ciphertext under the server's
// queue key (libsodium AEAD). The associated data names the entry and the file's role ("msg:<id>",
// "env:<id>", "hist:<id>"), so that files cannot be swapped between entries or roles unnoticed.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/secret.h"

namespace sealmail::delivery {

class QueueSeal {
 public:
  // Errc::invalid_argument unless `key` is 32 bytes.
  static Result<QueueSeal> make(crypto::SecretBuffer key);

  std::string seal(std::string_view plain, const std::string& associated) const;
  // Errc::corrupt when the file is not ours or does not open with the key and `associated`.
  Result<std::string> open(std::string_view sealed, const std::string& associated) const;

 private:
  explicit QueueSeal(crypto::SecretBuffer key) : key_(std::move(key)) {}
  crypto::SecretBuffer key_;
};

}  // namespace sealmail::delivery

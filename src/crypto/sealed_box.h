// X25519 sealed boxes (libsodium crypto_box_seal): mail that arrives while a mailbox's owner is
// away is sealed to the mailbox's public key; the private key lives only inside the encrypted
// mailbox, so the server cannot open what waits in the spool (DESIGN.md point 4).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/secret.h"

namespace sealmail::crypto {

struct BoxKeyPair {
  std::array<uint8_t, 32> public_key;
  SecretBuffer secret_key;  // 32 bytes
};

BoxKeyPair generate_box_key_pair();
std::string seal(std::string_view plaintext, const std::array<uint8_t, 32>& public_key);
Result<std::string> unseal(std::string_view sealed, const BoxKeyPair& keys);
// As unseal(), for plaintexts that are themselves secrets (a stream key): into locked memory.
Result<SecretBuffer> unseal_secret(std::string_view sealed, const BoxKeyPair& keys);

}  // namespace sealmail::crypto

#include "crypto/sealed_box.h"

#include <sodium.h>

namespace sealmail::crypto {

BoxKeyPair generate_box_key_pair() {
  init();
  BoxKeyPair kp{{}, SecretBuffer(crypto_box_SECRETKEYBYTES)};
  crypto_box_keypair(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

std::string seal(std::string_view plaintext, const std::array<uint8_t, 32>& public_key) {
  init();
  std::string out(plaintext.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(), public_key.data());
  return out;
}

Result<std::string> unseal(std::string_view sealed, const BoxKeyPair& keys) {
  if (sealed.size() < crypto_box_SEALBYTES) return make_error(Errc::corrupt, "sealed message too short");
  std::string out(sealed.size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(), keys.public_key.data(),
                           keys.secret_key.data()) != 0)
    return make_error(Errc::corrupt, "sealed message does not open with this mailbox's key");
  return out;
}

Result<SecretBuffer> unseal_secret(std::string_view sealed, const BoxKeyPair& keys) {
  if (sealed.size() < crypto_box_SEALBYTES) return make_error(Errc::corrupt, "sealed secret too short");
  SecretBuffer out(sealed.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(out.data(), reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                           keys.public_key.data(), keys.secret_key.data()) != 0)
    return make_error(Errc::corrupt, "sealed secret does not open with this mailbox's key");
  return out;
}

}  // namespace sealmail::crypto

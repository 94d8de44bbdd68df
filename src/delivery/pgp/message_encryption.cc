#include "delivery/pgp/message_encryption.h"

#include <openssl/rand.h>

#include "core/hex.h"
#include "delivery/pgp/pgp_mime.h"
#include "delivery/pgp/rnp_handles.h"

namespace sealmail::delivery::pgp {

namespace {

Error failed(std::string why) { return make_error(Errc::internal, "OpenPGP: " + std::move(why)); }

// A boundary that cannot occur in armor (whose lines are base64 or start "-----"): the random
// part only keeps nested or quoted copies apart.
std::string new_boundary() {
  uint8_t raw[12];
  if (RAND_bytes(raw, sizeof raw) != 1) return "sealmail-pgp";
  return "sealmail-pgp-" + to_hex(raw);
}

}  // namespace

Result<std::string> encrypt_armored(const std::vector<uint8_t>& key, std::string_view plaintext) {
  auto ffi = rnp::new_ffi();
  if (!ffi) return failed("RNP could not start");
  rnp_input_t ki = nullptr;
  if (rnp_input_from_memory(&ki, key.data(), key.size(), false) != RNP_SUCCESS) return failed("no memory");
  rnp::Input key_input(ki);
  if (rnp_import_keys(ffi.get(), key_input.get(), RNP_LOAD_SAVE_PUBLIC_KEYS, nullptr) != RNP_SUCCESS)
    return make_error(Errc::corrupt, "OpenPGP: the alias's key does not parse");
  // The one primary key (the directory only keeps keys that read_public_key accepted).
  rnp::Key primary;
  {
    rnp_identifier_iterator_t it = nullptr;
    if (rnp_identifier_iterator_create(ffi.get(), &it, "fingerprint") != RNP_SUCCESS)
      return failed("RNP could not list the keys");
    rnp::Iterator iterator(it);
    const char* fp = nullptr;
    while (!primary && rnp_identifier_iterator_next(iterator.get(), &fp) == RNP_SUCCESS && fp) {
      rnp_key_handle_t k = nullptr;
      if (rnp_locate_key(ffi.get(), "fingerprint", fp, &k) != RNP_SUCCESS || !k) continue;
      rnp::Key handle(k);
      bool is_primary = false;
      if (rnp_key_is_primary(handle.get(), &is_primary) == RNP_SUCCESS && is_primary) primary = std::move(handle);
    }
  }
  if (!primary) return make_error(Errc::corrupt, "OpenPGP: the alias's key has no primary key");
  rnp_key_handle_t e = nullptr;
  // A key that expired or was revoked since it was set has no default encryption key any more.
  if (rnp_key_get_default_key(primary.get(), "encrypt", 0, &e) != RNP_SUCCESS || !e)
    return make_error(Errc::invalid_argument, "OpenPGP: the alias's key can no longer encrypt (expired or revoked?)");
  rnp::Key encryption(e);

  rnp_input_t pi = nullptr;
  if (rnp_input_from_memory(&pi, reinterpret_cast<const uint8_t*>(plaintext.data()), plaintext.size(), false) !=
      RNP_SUCCESS)
    return failed("no memory");
  rnp::Input input(pi);
  rnp_output_t o = nullptr;
  if (rnp_output_to_memory(&o, 0) != RNP_SUCCESS) return failed("no memory");
  rnp::Output output(o);
  rnp_op_encrypt_t op = nullptr;
  if (rnp_op_encrypt_create(&op, ffi.get(), input.get(), output.get()) != RNP_SUCCESS)
    return failed("could not start encrypting");
  rnp::Encrypt encrypt(op);
  // SEIPD v1 with AES-256 (no AEAD: every OpenPGP client reads it, Thunderbird and GnuPG 2.2 too),
  // compressed as GnuPG does by default: the armor adds a third, and what is stored counts against
  // the quota.
  if (rnp_op_encrypt_add_recipient(encrypt.get(), encryption.get()) != RNP_SUCCESS ||
      rnp_op_encrypt_set_armor(encrypt.get(), true) != RNP_SUCCESS ||
      rnp_op_encrypt_set_cipher(encrypt.get(), "AES256") != RNP_SUCCESS ||
      rnp_op_encrypt_set_compression(encrypt.get(), "ZLIB", 6) != RNP_SUCCESS)
    return failed("could not set up encryption");
  if (rnp_op_encrypt_execute(encrypt.get()) != RNP_SUCCESS) return failed("encryption failed");
  uint8_t* buf = nullptr;
  size_t len = 0;
  if (rnp_output_memory_get_buf(output.get(), &buf, &len, false) != RNP_SUCCESS) return failed("no output");
  return std::string(reinterpret_cast<const char*>(buf), len);
}

Result<std::string> encrypt_message(const std::vector<uint8_t>& key, std::string_view message, bool* changed) {
  *changed = false;
  if (is_encrypted(message)) return std::string(message);
  auto armored = encrypt_armored(key, message);
  if (!armored) return armored.error();
  *changed = true;
  return pgp_mime_message(message, *armored, new_boundary());
}

}  // namespace sealmail::delivery::pgp

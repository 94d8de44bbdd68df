#include "delivery/pgp/public_key.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "delivery/pgp/rnp_handles.h"

namespace sealmail::delivery::pgp {

namespace {

Error refuse(std::string why) { return make_error(Errc::invalid_argument, std::move(why)); }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The e-mail address of a user id: between the last '<' and the '>' after it, else the whole id
// when it has an '@' (RFC 4880 §5.11 only suggests the RFC 2822 name-addr form).
std::string uid_email(std::string_view uid) {
  auto open = uid.rfind('<');
  if (open != std::string_view::npos) {
    auto close = uid.find('>', open);
    if (close != std::string_view::npos) return lower(uid.substr(open + 1, close - open - 1));
  }
  if (uid.find('@') != std::string_view::npos && uid.find(' ') == std::string_view::npos) return lower(uid);
  return {};
}

Result<std::vector<uint8_t>> export_public(rnp_key_handle_t key, uint32_t flags) {
  rnp_output_t o = nullptr;
  if (rnp_output_to_memory(&o, kMaxKeyBytes * 2) != RNP_SUCCESS)
    return make_error(Errc::internal, "OpenPGP: no memory");
  rnp::Output out(o);
  if (rnp_key_export(key, out.get(), flags) != RNP_SUCCESS)
    return make_error(Errc::internal, "OpenPGP: the key could not be exported");
  uint8_t* buf = nullptr;
  size_t len = 0;
  if (rnp_output_memory_get_buf(out.get(), &buf, &len, false) != RNP_SUCCESS)
    return make_error(Errc::internal, "OpenPGP: the key could not be exported");
  return std::vector<uint8_t>(buf, buf + len);
}

}  // namespace

Result<PublicKey> read_public_key(std::string_view data, std::string_view address) {
  if (data.empty()) return refuse("no OpenPGP key was given");
  if (data.size() > kMaxKeyBytes) return refuse("the OpenPGP key is larger than 1 MiB");
  // The clearest answer for the commonest mistake, before any parsing.
  if (data.find("BEGIN PGP PRIVATE KEY BLOCK") != std::string_view::npos)
    return refuse("this is a secret key: give the public key only (gpg --armor --export), never the secret key");
  auto ffi = rnp::new_ffi();
  if (!ffi) return make_error(Errc::internal, "OpenPGP: RNP could not start");
  rnp_input_t i = nullptr;
  if (rnp_input_from_memory(&i, reinterpret_cast<const uint8_t*>(data.data()), data.size(), false) != RNP_SUCCESS)
    return make_error(Errc::internal, "OpenPGP: no memory");
  rnp::Input input(i);
  // Secret keys are imported too, only so that they are seen and refused.
  char* report = nullptr;
  if (rnp_import_keys(ffi.get(), input.get(), RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, &report) !=
      RNP_SUCCESS)
    return refuse("not an OpenPGP public key (armored or binary)");
  rnp_buffer_destroy(report);
  size_t secrets = 0;
  if (rnp_get_secret_key_count(ffi.get(), &secrets) != RNP_SUCCESS || secrets > 0)
    return refuse("the key holds secret key material: give the public key only (gpg --armor --export)");

  // Exactly one primary key.
  rnp::Key primary;
  size_t primaries = 0;
  {
    rnp_identifier_iterator_t it = nullptr;
    if (rnp_identifier_iterator_create(ffi.get(), &it, "fingerprint") != RNP_SUCCESS)
      return make_error(Errc::internal, "OpenPGP: RNP could not list the keys");
    rnp::Iterator iterator(it);
    const char* fp = nullptr;
    while (rnp_identifier_iterator_next(iterator.get(), &fp) == RNP_SUCCESS && fp) {
      rnp_key_handle_t k = nullptr;
      if (rnp_locate_key(ffi.get(), "fingerprint", fp, &k) != RNP_SUCCESS || !k) continue;
      rnp::Key key(k);
      bool is_primary = false;
      if (rnp_key_is_primary(key.get(), &is_primary) == RNP_SUCCESS && is_primary) {
        ++primaries;
        primary = std::move(key);
      }
    }
  }
  if (primaries == 0) return refuse("no OpenPGP primary key was found");
  if (primaries > 1) return refuse("more than one OpenPGP key was given: give exactly one");

  bool revoked = false, expired = false, valid = false;
  if (rnp_key_is_revoked(primary.get(), &revoked) == RNP_SUCCESS && revoked)
    return refuse("the OpenPGP key is revoked");
  if (rnp_key_is_expired(primary.get(), &expired) == RNP_SUCCESS && expired)
    return refuse("the OpenPGP key has expired");
  uint64_t till = 0;
  if (rnp_key_valid_till64(primary.get(), &till) != RNP_SUCCESS) till = 0;
  if (rnp_key_is_valid(primary.get(), &valid) != RNP_SUCCESS || !valid ||
      till <= static_cast<uint64_t>(std::time(nullptr)))
    return refuse("the OpenPGP key is not valid now (expired, revoked, or its self-signatures do not verify)");

  rnp_key_handle_t enc = nullptr;
  if (rnp_key_get_default_key(primary.get(), "encrypt", 0, &enc) != RNP_SUCCESS || !enc)
    return refuse("the OpenPGP key has no valid subkey that may encrypt");
  rnp_key_handle_destroy(enc);

  PublicKey out;
  std::string wanted = lower(address);
  bool matched = false;
  size_t uids = 0;
  if (rnp_key_get_uid_count(primary.get(), &uids) != RNP_SUCCESS) uids = 0;
  for (size_t n = 0; n < uids; ++n) {
    rnp_uid_handle_t u = nullptr;
    if (rnp_key_get_uid_handle_at(primary.get(), n, &u) != RNP_SUCCESS || !u) continue;
    rnp::Uid handle(u);
    char* text = nullptr;
    if (rnp_key_get_uid_at(primary.get(), n, &text) != RNP_SUCCESS) continue;
    std::string uid = rnp::take_string(text);
    bool uid_valid = false, uid_revoked = true;
    (void)rnp_uid_is_valid(handle.get(), &uid_valid);
    (void)rnp_uid_is_revoked(handle.get(), &uid_revoked);
    if (!uid_valid || uid_revoked) continue;
    if (!wanted.empty() && uid_email(uid) == wanted) matched = true;
    out.user_ids.push_back(std::move(uid));
  }
  if (!matched) return refuse("no valid user id of the OpenPGP key is the alias's address");

  char* fp = nullptr;
  if (rnp_key_get_fprint(primary.get(), &fp) != RNP_SUCCESS)
    return make_error(Errc::internal, "OpenPGP: no fingerprint");
  out.fingerprint = rnp::take_string(fp);
  out.valid_until = till == UINT64_MAX ? 0 : till;
  auto binary = export_public(primary.get(), RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS);
  if (!binary) return binary.error();
  out.binary = std::move(*binary);
  return out;
}

Result<std::string> armor_public_key(const std::vector<uint8_t>& binary) {
  auto ffi = rnp::new_ffi();
  if (!ffi) return make_error(Errc::internal, "OpenPGP: RNP could not start");
  rnp_input_t i = nullptr;
  if (rnp_input_from_memory(&i, binary.data(), binary.size(), false) != RNP_SUCCESS)
    return make_error(Errc::internal, "OpenPGP: no memory");
  rnp::Input input(i);
  if (rnp_import_keys(ffi.get(), input.get(), RNP_LOAD_SAVE_PUBLIC_KEYS, nullptr) != RNP_SUCCESS)
    return make_error(Errc::corrupt, "OpenPGP: the stored key does not parse");
  rnp_identifier_iterator_t it = nullptr;
  if (rnp_identifier_iterator_create(ffi.get(), &it, "fingerprint") != RNP_SUCCESS)
    return make_error(Errc::internal, "OpenPGP: RNP could not list the keys");
  rnp::Iterator iterator(it);
  const char* fp = nullptr;
  while (rnp_identifier_iterator_next(iterator.get(), &fp) == RNP_SUCCESS && fp) {
    rnp_key_handle_t k = nullptr;
    if (rnp_locate_key(ffi.get(), "fingerprint", fp, &k) != RNP_SUCCESS || !k) continue;
    rnp::Key key(k);
    bool is_primary = false;
    if (rnp_key_is_primary(key.get(), &is_primary) != RNP_SUCCESS || !is_primary) continue;
    auto armored = export_public(key.get(), RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS | RNP_KEY_EXPORT_ARMORED);
    if (!armored) return armored.error();
    return std::string(armored->begin(), armored->end());
  }
  return make_error(Errc::corrupt, "OpenPGP: the stored key has no primary key");
}

}  // namespace sealmail::delivery::pgp

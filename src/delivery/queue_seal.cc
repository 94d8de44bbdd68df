#include "delivery/queue_seal.h"

#include <sodium.h>

#include <algorithm>

namespace sealmail::delivery {

namespace {
constexpr std::string_view kMagic = "SMQ1";
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
}  // namespace

Result<QueueSeal> QueueSeal::make(crypto::SecretBuffer key) {
  if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    return make_error(Errc::invalid_argument, "queue key has the wrong size");
  return QueueSeal(std::move(key));
}

std::string QueueSeal::seal(std::string_view plain, const std::string& associated) const {
  std::string out(kMagic.size() + kNonce + plain.size() + kTag, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  std::copy(kMagic.begin(), kMagic.end(), out.begin());
  randombytes_buf(p + kMagic.size(), kNonce);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      p + kMagic.size() + kNonce, &len, reinterpret_cast<const uint8_t*>(plain.data()), plain.size(),
      reinterpret_cast<const uint8_t*>(associated.data()), associated.size(), nullptr, p + kMagic.size(), key_.data());
  out.resize(kMagic.size() + kNonce + len);
  return out;
}

Result<std::string> QueueSeal::open(std::string_view sealed, const std::string& associated) const {
  const size_t head = kMagic.size() + kNonce;
  if (sealed.size() < head + kTag || sealed.substr(0, kMagic.size()) != kMagic)
    return make_error(Errc::corrupt, "not a queue file");
  std::string out(sealed.size() - head - kTag, '\0');
  unsigned long long len = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(sealed.data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<uint8_t*>(out.data()), &len, nullptr, p + head, sealed.size() - head,
          reinterpret_cast<const uint8_t*>(associated.data()), associated.size(), p + kMagic.size(), key_.data()) != 0)
    return make_error(Errc::corrupt, "a queue file does not open with the queue key");
  out.resize(len);
  return out;
}

}  // namespace sealmail::delivery

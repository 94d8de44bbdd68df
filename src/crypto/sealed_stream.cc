#include "crypto/sealed_stream.h"

#include <sodium.h>

#include <stdexcept>

namespace sealmail::crypto {

namespace {

using State = crypto_secretstream_xchacha20poly1305_state;
static_assert(kStreamKeyBytes == crypto_secretstream_xchacha20poly1305_KEYBYTES);
static_assert(kStreamHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kStreamChunkOverhead == crypto_secretstream_xchacha20poly1305_ABYTES);
// The state is a struct of byte arrays: any address sodium_malloc returns is aligned enough.
static_assert(alignof(State) == 1);

State* state_of(SecretBuffer& b) { return reinterpret_cast<State*>(b.data()); }

}  // namespace

StreamEncryptor::StreamEncryptor() : key_(kStreamKeyBytes), state_(sizeof(State)) {
  crypto_secretstream_xchacha20poly1305_keygen(key_.data());
  if (crypto_secretstream_xchacha20poly1305_init_push(state_of(state_), header_.data(), key_.data()) != 0)
    throw std::runtime_error("secretstream init failed");
}

void StreamEncryptor::push(std::span<const uint8_t> in, std::span<uint8_t> out, bool final,
                           std::span<const uint8_t> ad) {
  if (out.size() < in.size() + kStreamChunkOverhead) throw std::invalid_argument("stream chunk buffer too small");
  const unsigned char tag =
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  crypto_secretstream_xchacha20poly1305_push(state_of(state_), out.data(), nullptr, in.data(), in.size(),
                                             ad.empty() ? nullptr : ad.data(), ad.size(), tag);
}

Result<StreamDecryptor> StreamDecryptor::create(const SecretBuffer& key, std::span<const uint8_t> header) {
  if (key.size() != kStreamKeyBytes || header.size() != kStreamHeaderBytes)
    return make_error(Errc::corrupt, "stream key or header has the wrong size");
  SecretBuffer state(sizeof(State));
  if (crypto_secretstream_xchacha20poly1305_init_pull(state_of(state), header.data(), key.data()) != 0)
    return make_error(Errc::corrupt, "stream header is not valid");
  return StreamDecryptor(std::move(state));
}

Result<bool> StreamDecryptor::pull(std::span<const uint8_t> in, std::span<uint8_t> out, std::span<const uint8_t> ad) {
  if (in.size() < kStreamChunkOverhead || out.size() < in.size() - kStreamChunkOverhead)
    return make_error(Errc::corrupt, "stream chunk too short");
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(state_of(state_), out.data(), nullptr, &tag, in.data(), in.size(),
                                                 ad.empty() ? nullptr : ad.data(), ad.size()) != 0)
    return make_error(Errc::corrupt, "stream chunk does not authenticate (damaged, reordered or another stream)");
  return tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
}

}  // namespace sealmail::crypto

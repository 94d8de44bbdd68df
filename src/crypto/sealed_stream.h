// Authenticated streams for data too large for one sealed box (libsodium
// crypto_secretstream_xchacha20poly1305). crypto_box_seal needs the whole plaintext and a
// ciphertext of the same size in memory at once; a stream is encrypted and decrypted chunk by
// chunk. The stream key is random per stream; the caller seals it with seal() (sealed_box.h), so
// only the holder of the box private key can open the stream (the sealed spool, DESIGN.md point 4).
//
// Each chunk is authenticated and bound to its position; the last one carries the FINAL tag, so
// reordering, dropping or truncating chunks is detected, not only flipped bits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.h"
#include "crypto/secret.h"

namespace sealmail::crypto {

inline constexpr size_t kStreamKeyBytes = 32;
inline constexpr size_t kStreamHeaderBytes = 24;    // public: written before the first chunk
inline constexpr size_t kStreamChunkOverhead = 17;  // per chunk: tag byte and MAC

class StreamEncryptor {
 public:
  // A fresh random key and stream header.
  StreamEncryptor();
  const SecretBuffer& key() const { return key_; }
  const std::array<uint8_t, kStreamHeaderBytes>& header() const { return header_; }
  // Encrypts `in` into `out`, which must hold in.size() + kStreamChunkOverhead bytes. `ad` is
  // authenticated with the chunk but not stored in it.
  void push(std::span<const uint8_t> in, std::span<uint8_t> out, bool final, std::span<const uint8_t> ad = {});

 private:
  SecretBuffer key_, state_;  // the state holds the key too: locked and zeroed like it
  std::array<uint8_t, kStreamHeaderBytes> header_{};
};

class StreamDecryptor {
 public:
  // Errc::corrupt when the header is not valid for this key.
  static Result<StreamDecryptor> create(const SecretBuffer& key, std::span<const uint8_t> header);
  // Decrypts one chunk (as push() made it) into `out`, which must hold in.size() -
  // kStreamChunkOverhead bytes; returns whether it was the final chunk. Errc::corrupt when the
  // chunk is forged, damaged, out of order or from another stream.
  Result<bool> pull(std::span<const uint8_t> in, std::span<uint8_t> out, std::span<const uint8_t> ad = {});

 private:
  explicit StreamDecryptor(SecretBuffer state) : state_(std::move(state)) {}
  SecretBuffer state_;
};

}  // namespace sealmail::crypto

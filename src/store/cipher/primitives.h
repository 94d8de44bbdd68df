// The cryptographic primitives of the sqleet page format (SQLite3 Multiple Ciphers' "chacha20"
// cipher), computed with OpenSSL's vectorized implementations (AVX2/AVX-512 where the CPU has
// them) instead of the portable C in the amalgamation.
//
// Rules this file keeps:
// - chacha20_xor has the *sqleet* semantics, which are RFC 8439's ChaCha20 (32-byte key, 12-byte
//   nonce, 32-bit block counter) with one twist: the block counter wraps from 2^32-1 to 0 and
//   never carries into the nonce. OpenSSL (and libsodium) carry or abort there, so the stream is
//   split at the wrap point. The counter of a page is random, so the wrap does happen in real files
//   (about one page in 2^26).
// - poly1305 is the raw one-time authenticator (RFC 8439 §2.5), no AEAD padding or lengths.
// - Each thread keeps its own OpenSSL contexts: no locks, and no state shared between connections.
// - Every function returns false on failure (OpenSSL could not allocate or run); callers fail closed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sealmail::store::cipher {

// XORs `n` bytes of `data` in place with the ChaCha20 key stream of (key, nonce) starting at block
// `counter`, the block counter wrapping modulo 2^32 like sqleet's chacha20_xor.
bool chacha20_xor(uint8_t* data, size_t n, const uint8_t key[32], const uint8_t nonce[12], uint32_t counter);

// Poly1305 tag of msg[0..n) under the one-time key.
bool poly1305(const uint8_t* msg, size_t n, const uint8_t key[32], uint8_t tag[16]);

// Constant-time comparison of two tags: true when equal.
bool tags_equal(const uint8_t a[16], const uint8_t b[16]);

// Cryptographically secure random bytes (OpenSSL's DRBG: per thread, reseeded after fork).
bool random_bytes(uint8_t* out, size_t n);

// Random page nonces (n <= 64), served from a per-thread pool that OpenSSL's DRBG refills 4 KiB at
// a time: RAND_bytes costs ~0.8 µs per call here, a third of a page's encryption. Nonces are
// public (stored beside the page), so the pool holds no secret; it is discarded in a child after
// fork(), so two processes never hand out the same nonces.
bool random_nonce(uint8_t* out, size_t n);

// PBKDF2-HMAC-SHA256, as the cipher's KDF.
bool pbkdf2_sha256(const uint8_t* password, size_t password_len, const uint8_t* salt, size_t salt_len, int iterations,
                   uint8_t* out, size_t out_len);

// MD5, only for the initial vector of pages without reserved bytes (the format's unauthenticated
// mode; see sqleet_page.h).
bool md5(const uint8_t* data, size_t n, uint8_t digest[16]);

// Wipes memory in a way the compiler does not remove.
void wipe(void* p, size_t n);

}  // namespace sealmail::store::cipher

// The page format of SQLite3 Multiple Ciphers' "chacha20" cipher (sqleet: ChaCha20 + Poly1305 per
// page), reproduced byte for byte from EncryptPageChaCha20Cipher / DecryptPageChaCha20Cipher of
// SQLite3 Multiple Ciphers 2.4.0 (cipher_chacha20.c), on top of the vectorized primitives.
//
// A page of `len` bytes with 32 reserved bytes is laid out as
//   [0, n)        ciphertext, n = len - 32
//   [n, n+16)     nonce: 12 bytes of ChaCha20 nonce, then 4 bytes whose XOR with the page number
//                 is the block counter
//   [n+16, len)   Poly1305 tag over [0, n+16) (ciphertext and nonce)
// The one-time keys of a page are the first ChaCha20 block of (key, nonce, counter): bytes 0..31
// are the Poly1305 key, bytes 32..63 the key that encrypts the page from block counter+1.
// Page 1 (non-legacy): bytes 0..15 hold the KDF salt instead of "SQLite format 3\0", bytes 16..23
// stay plain (page size, reserved bytes: SQLite must read them before it has a key), encryption
// starts at byte 24. Legacy mode (original sqleet) encrypts page 1 from byte 0.
// A page without reserved bytes (non-legacy, reserved == 0) is encrypted without authentication,
// its nonce derived from the page number (sqlite3mcGenerateInitialVector) — the format allows it,
// sealmail never writes it.
//
// Failure: every function returns an SQLite result code. A page whose tag does not match gives
// SQLITE_NOTADB for page 1 (wrong key) and SQLITE_CORRUPT otherwise, as the stock cipher does.
// Unlike the stock cipher, a failed encryption never leaves plaintext in the buffer (the codec
// writes the buffer even when encryption fails): it is zeroed.
#pragma once

#include <cstdint>

namespace sealmail::store::cipher {

inline constexpr int kKeyLength = 32;
inline constexpr int kSaltLength = 16;
inline constexpr int kNonceLength = 16;
inline constexpr int kTagLength = 16;
inline constexpr int kReservedBytes = kNonceLength + kTagLength;
inline constexpr int kPage1Offset = 24;  // CIPHER_PAGE1_OFFSET: bytes 16..23 of page 1 stay plain

// What encrypting and decrypting a page depends on.
struct PageKeys {
  uint8_t key[kKeyLength];
  uint8_t salt[kSaltLength];
  bool legacy = false;
  int plaintext_header_size = 0;
};

// Encrypts data[0..len) of page `page` in place. `nonce` (16 bytes) is for tests that reproduce a
// given page; nullptr draws a fresh random nonce, as the format requires.
int encrypt_page(const PageKeys& keys, int page, uint8_t* data, int len, int reserved, const uint8_t* nonce = nullptr);

// Decrypts data[0..len) of page `page` in place; checks the tag when check_tag is set (the
// "hmac_check" parameter, on by default).
int decrypt_page(const PageKeys& keys, int page, uint8_t* data, int len, int reserved, bool check_tag);

// sqlite3mcGenerateInitialVector: the nonce of a page stored without reserved bytes.
bool initial_vector(int page, uint8_t iv[16]);

}  // namespace sealmail::store::cipher

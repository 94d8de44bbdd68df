#include "store/cipher/sqleet_page.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

#include "store/cipher/primitives.h"

namespace sealmail::store::cipher {

namespace {

constexpr int kOneTimeKeyLength = 64;  // one ChaCha20 block: Poly1305 key, then the page key

uint32_t load32_le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// Where encryption starts in the page, and whether page 1 keeps a plaintext header instead of
// the salt (the "plaintext_header_size" parameter).
struct Layout {
  int offset = 0;
  bool plaintext_header = false;
};

Layout layout_of(const PageKeys& keys, int page) {
  Layout l;
  if (page != 1) return l;
  if (keys.plaintext_header_size > 0) {
    l.plaintext_header = true;
    l.offset = keys.legacy ? keys.plaintext_header_size : std::max(keys.plaintext_header_size, kPage1Offset);
  } else {
    l.offset = keys.legacy ? 0 : kPage1Offset;
  }
  return l;
}

// Reserved bytes the page format uses: none only for a non-legacy page stored without them.
int used_reserve(const PageKeys& keys, int reserved) { return (reserved == 0 && !keys.legacy) ? 0 : kReservedBytes; }

bool reserve_mismatch(const PageKeys& keys, int used, int reserved) {
  return keys.legacy ? used != reserved : used > reserved;
}

// Derives the one-time keys of a page and applies its key stream to data[offset..n).
bool apply_stream(const PageKeys& keys, int page, const uint8_t* nonce, uint8_t* data, int offset, int n,
                  uint8_t otk[kOneTimeKeyLength]) {
  uint32_t counter = load32_le(nonce + kNonceLength - 4) ^ static_cast<uint32_t>(page);
  std::memset(otk, 0, kOneTimeKeyLength);
  if (!chacha20_xor(otk, kOneTimeKeyLength, keys.key, nonce, counter)) return false;
  return chacha20_xor(data + offset, static_cast<size_t>(n - offset), otk + 32, nonce, counter + 1);
}

// RAII wipe of the one-time keys.
struct OneTimeKey {
  uint8_t bytes[kOneTimeKeyLength];
  ~OneTimeKey() { wipe(bytes, sizeof bytes); }
};

}  // namespace

bool initial_vector(int page, uint8_t iv[16]) {
  // Park–Miller style generator of sqlite3mcGenerateInitialVector (MODMULT(52774, 40692, 3791,
  // 2147483399)), four rounds from page + 1, then MD5 of the 16 bytes.
  uint8_t seed[16];
  int64_t z = static_cast<int64_t>(page) + 1;
  for (int j = 0; j < 4; j++) {
    int64_t q = z / 52774;
    z = 40692 * (z - 52774 * q) - 3791 * q;
    if (z < 0) z += 2147483399L;
    auto v = static_cast<uint32_t>(z);
    seed[4 * j + 0] = static_cast<uint8_t>(v);
    seed[4 * j + 1] = static_cast<uint8_t>(v >> 8);
    seed[4 * j + 2] = static_cast<uint8_t>(v >> 16);
    seed[4 * j + 3] = static_cast<uint8_t>(v >> 24);
  }
  return md5(seed, sizeof seed, iv);
}

int encrypt_page(const PageKeys& keys, int page, uint8_t* data, int len, int reserved, const uint8_t* nonce) {
  const int used = used_reserve(keys, reserved);
  const int n = len - used;
  const Layout l = layout_of(keys, page);
  if (reserve_mismatch(keys, used, reserved) || n < l.offset) {
    std::memset(data, 0, static_cast<size_t>(len));
    return SQLITE_CORRUPT;
  }

  OneTimeKey otk;
  bool ok;
  if (used > 0) {
    // Encrypt and authenticate.
    uint8_t* page_nonce = data + n;
    if (nonce != nullptr) {
      std::memcpy(page_nonce, nonce, kNonceLength);
      ok = true;
    } else {
      ok = random_nonce(page_nonce, kNonceLength);
    }
    ok = ok && apply_stream(keys, page, page_nonce, data, l.offset, n, otk.bytes);
    if (ok && page == 1 && !l.plaintext_header) std::memcpy(data, keys.salt, kSaltLength);
    ok = ok && poly1305(data, static_cast<size_t>(n + kNonceLength), otk.bytes, data + n + kNonceLength);
  } else {
    // Encrypt only, with the page's derived nonce.
    uint8_t iv[kNonceLength];
    ok = initial_vector(page, iv) && apply_stream(keys, page, iv, data, l.offset, n, otk.bytes);
    if (ok && page == 1 && !l.plaintext_header) std::memcpy(data, keys.salt, kSaltLength);
  }
  if (!ok) {
    std::memset(data, 0, static_cast<size_t>(len));
    return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

int decrypt_page(const PageKeys& keys, int page, uint8_t* data, int len, int reserved, bool check_tag) {
  const int used = used_reserve(keys, reserved);
  const int n = len - used;
  const Layout l = layout_of(keys, page);
  if (reserve_mismatch(keys, used, reserved) || n < l.offset) return page == 1 ? SQLITE_NOTADB : SQLITE_CORRUPT;

  OneTimeKey otk;
  int rc = SQLITE_OK;
  if (used > 0) {
    // The tag covers the ciphertext as stored: compute it before decrypting. Like the stock
    // cipher, decrypt even when the tag is wrong (the codec then zeroes the page).
    const uint8_t* page_nonce = data + n;
    uint8_t tag[kTagLength];
    uint32_t counter = load32_le(page_nonce + kNonceLength - 4) ^ static_cast<uint32_t>(page);
    std::memset(otk.bytes, 0, sizeof otk.bytes);
    bool ok = chacha20_xor(otk.bytes, sizeof otk.bytes, keys.key, page_nonce, counter) &&
              poly1305(data, static_cast<size_t>(n + kNonceLength), otk.bytes, tag) &&
              chacha20_xor(data + l.offset, static_cast<size_t>(n - l.offset), otk.bytes + 32, page_nonce, counter + 1);
    if (!ok) {
      std::memset(data, 0, static_cast<size_t>(len));
      return SQLITE_NOMEM;
    }
    if (check_tag && !tags_equal(data + n + kNonceLength, tag)) rc = page == 1 ? SQLITE_NOTADB : SQLITE_CORRUPT;
    if (page == 1 && !l.plaintext_header && rc == SQLITE_OK) std::memcpy(data, "SQLite format 3", 16);
  } else {
    uint8_t iv[kNonceLength];
    if (!initial_vector(page, iv) || !apply_stream(keys, page, iv, data, l.offset, n, otk.bytes)) {
      std::memset(data, 0, static_cast<size_t>(len));
      return SQLITE_NOMEM;
    }
    if (page == 1 && !l.plaintext_header) std::memcpy(data, "SQLite format 3", 16);
  }
  return rc;
}

}  // namespace sealmail::store::cipher

// The SQLite3 Multiple Ciphers glue of "sealchacha20": the CipherDescriptor functions, mirroring
// cipher_chacha20.c of SQLite3 Multiple Ciphers 2.4.0 (parameters, key derivation, raw keys, salt
// handling) with the page work done by sqleet_page.cc.
#include "store/cipher/sealchacha20.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

#include "store/cipher/checkpoint_reuse.h"
#include "store/cipher/primitives.h"
#include "store/cipher/sqleet_page.h"

namespace sealmail::store::cipher {

namespace {

// The parameters and defaults of "chacha20" (cipher_chacha20.c).
constexpr int kLegacyDefault = 0;
constexpr int kLegacyPageSizeDefault = 4096;
constexpr int kKdfIterDefault = 64007;
constexpr int kSqleetKdfIter = 12345;  // legacy mode: original sqleet
constexpr int kMaxPageSize = 65536;    // SQLITE_MAX_PAGE_SIZE

const CipherParams kParams[] = {
    {"legacy", kLegacyDefault, kLegacyDefault, 0, 1},
    {"legacy_page_size", kLegacyPageSizeDefault, kLegacyPageSizeDefault, 0, kMaxPageSize},
    {"kdf_iter", kKdfIterDefault, kKdfIterDefault, 1, 0x7fffffff},
    {"plaintext_header_size", 0, 0, 0, 100},
    // Ours, not chacha20's: write a checkpointed page with the bytes of the WAL frame it came from
    // (checkpoint_reuse.h). 0 turns it off (a fresh nonce for every write, as stock does).
    {"checkpoint_reuse", 1, 1, 0, 1},
    {"", 0, 0, 0, 0},
};

std::atomic<size_t> live_ciphers{0};

struct Cipher {
  int legacy;
  int legacy_page_size;
  int kdf_iter;
  int plaintext_header_size;
  PageKeys keys;
  CheckpointReuse* reuse;  // shared with the codec's other cipher; nullptr when off
};

// A parameter of this cipher as the connection has it. Like sqlite3mcGetCipherParameter, reading
// consumes a transient value (set by a PRAGMA for the next key) and restores the default. A
// connection opened before registration has no table for this cipher: the global one answers.
int take_parameter(sqlite3* db, const char* name, int fallback) {
  int value = sqlite3mc_config_cipher(db, kSealChaCha20, name, -1);
  if (value < 0 && db != nullptr) {
    value = sqlite3mc_config_cipher(nullptr, kSealChaCha20, name, -1);
    db = nullptr;
  }
  if (value < 0) return fallback;
  if (db != nullptr) {
    std::string default_name = std::string("default:") + name;
    int default_value = sqlite3mc_config_cipher(db, kSealChaCha20, default_name.c_str(), -1);
    if (default_value >= 0 && default_value != value) sqlite3mc_config_cipher(db, kSealChaCha20, name, default_value);
  }
  return value;
}

void* allocate(sqlite3* db) {
  auto* c = static_cast<Cipher*>(sqlite3_malloc(sizeof(Cipher)));
  if (c == nullptr) return nullptr;
  std::memset(static_cast<void*>(c), 0, sizeof(Cipher));
  c->legacy = take_parameter(db, "legacy", kLegacyDefault);
  c->legacy_page_size = take_parameter(db, "legacy_page_size", kLegacyPageSizeDefault);
  c->kdf_iter = take_parameter(db, "kdf_iter", kKdfIterDefault);
  if (c->legacy != 0) c->kdf_iter = kSqleetKdfIter;
  c->plaintext_header_size = take_parameter(db, "plaintext_header_size", 0);
  c->keys.legacy = c->legacy != 0;
  c->keys.plaintext_header_size = c->plaintext_header_size;
  c->reuse = take_parameter(db, "checkpoint_reuse", 1) != 0 ? CheckpointReuse::create() : nullptr;
  live_ciphers.fetch_add(1, std::memory_order_relaxed);
  return c;
}

void free_cipher(void* cipher) {
  if (cipher == nullptr) return;
  live_ciphers.fetch_sub(1, std::memory_order_relaxed);
  if (auto* reuse = static_cast<Cipher*>(cipher)->reuse) reuse->release();
  wipe(cipher, sizeof(Cipher));
  sqlite3_free(cipher);
}

// The copy shares the original's checkpoint memory: SQLite3 Multiple Ciphers clones the read
// cipher into the write cipher, and the write side is where a remembered page is reused.
void clone_cipher(void* to, void* from) {
  auto* t = static_cast<Cipher*>(to);
  auto* f = static_cast<Cipher*>(from);
  if (t->reuse != nullptr) t->reuse->release();
  std::memcpy(static_cast<void*>(t), static_cast<const void*>(f), sizeof(Cipher));
  if (t->reuse != nullptr) t->reuse->retain();
}

int get_legacy(void* cipher) { return static_cast<Cipher*>(cipher)->legacy; }

int get_page_size(void* cipher) {
  auto* c = static_cast<Cipher*>(cipher);
  if (c->legacy == 0) return 0;
  int size = c->legacy_page_size;
  bool valid = size >= 512 && size <= kMaxPageSize && ((size - 1) & size) == 0;
  return valid ? size : 0;
}

int get_reserved(void*) { return kReservedBytes; }

unsigned char* get_salt(void* cipher) { return static_cast<Cipher*>(cipher)->keys.salt; }

bool is_hex(const unsigned char* s, int n) {
  for (int i = 0; i < n; i++) {
    unsigned char c = s[i];
    if ((c < '0' || c > '9') && (c < 'A' || c > 'F') && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return 0;
}

void from_hex(const unsigned char* hex, int n, uint8_t* out) {
  for (int i = 0; i < n; i += 2) out[i / 2] = static_cast<uint8_t>(hex_value(hex[i]) << 4 | hex_value(hex[i + 1]));
}

// sqlite3mcExtractRawKey: "raw:" + binary or hex key (and salt), or SQLCipher's x'<hex>'. The salt
// of a raw key is only taken when the salt is not the file's (key_only false). True when the
// password was a raw key.
bool extract_raw_key(const char* password, int length, bool key_only, uint8_t* key, uint8_t* salt) {
  constexpr int kKey = kKeyLength;
  constexpr int kSalt = kSaltLength;
  if (length > 4 && std::memcmp(password, "raw:", 4) == 0) {
    const int n = length - 4;
    const auto* raw = reinterpret_cast<const unsigned char*>(password) + 4;
    if (n == kKey + kSalt) {
      if (!key_only) std::memcpy(salt, raw + kKey, kSalt);
      std::memcpy(key, raw, kKey);
      return true;
    }
    if (n == kKey) {
      std::memcpy(key, raw, kKey);
      return true;
    }
    if (n == 2 * kKey && is_hex(raw, n)) {
      from_hex(raw, n, key);
      return true;
    }
    if (n == 2 * (kKey + kSalt) && is_hex(raw, n)) {
      from_hex(raw, 2 * kKey, key);
      if (!key_only) from_hex(raw + 2 * kKey, 2 * kSalt, salt);
      return true;
    }
    return false;
  }
  const auto* hex = reinterpret_cast<const unsigned char*>(password) + 2;
  bool sqlcipher_prefix = length >= 2 && sqlite3_strnicmp(password, "x'", 2) == 0;
  if (sqlcipher_prefix && length == kKey * 2 + 3 && is_hex(hex, kKey * 2)) {
    from_hex(hex, length - 3, key);
    return true;
  }
  if (sqlcipher_prefix && length == (kKey + kSalt) * 2 + 3 && is_hex(hex, (kKey + kSalt) * 2)) {
    from_hex(hex, kKey * 2, key);
    if (!key_only) from_hex(hex + kKey * 2, kSalt * 2, salt);
    return true;
  }
  return false;
}

void generate_key(void* cipher, char* password, int length, int rekey, unsigned char* file_salt) {
  auto* c = static_cast<Cipher*>(cipher);
  bool key_only = true;
  // rekey == 2: the database is in WAL mode, keep the file's salt when there is one.
  if (rekey == 2) rekey = file_salt != nullptr ? 0 : 1;
  if (rekey != 0 || file_salt == nullptr) {
    // The stock cipher aborts the process when its RNG fails; a zero salt is a weaker but valid
    // outcome, and OpenSSL's DRBG failing here means the system has no entropy at all.
    if (!random_bytes(c->keys.salt, kSaltLength)) std::memset(c->keys.salt, 0, kSaltLength);
    key_only = false;
  } else {
    std::memcpy(c->keys.salt, file_salt, kSaltLength);
    if (c->plaintext_header_size > 0) key_only = false;
  }
  if (extract_raw_key(password, length, key_only, c->keys.key, c->keys.salt)) return;
  if (!pbkdf2_sha256(reinterpret_cast<const uint8_t*>(password), static_cast<size_t>(length), c->keys.salt, kSaltLength,
                     c->kdf_iter, c->keys.key, kKeyLength)) {
    // No key could be derived: a random one makes every read fail with SQLITE_NOTADB instead of
    // opening the file under a predictable key.
    if (!random_bytes(c->keys.key, kKeyLength)) std::memset(c->keys.key, 0xa5, kKeyLength);
  }
}

int encrypt(void* cipher, int page, unsigned char* data, int len, int reserved) {
  auto* c = static_cast<Cipher*>(cipher);
  if (c->reuse != nullptr) return c->reuse->encrypt(c->keys, page, data, len, reserved);
  return encrypt_page(c->keys, page, data, len, reserved);
}

int decrypt(void* cipher, int page, unsigned char* data, int len, int reserved, int hmac_check) {
  auto* c = static_cast<Cipher*>(cipher);
  if (c->reuse != nullptr) return c->reuse->decrypt(c->keys, page, data, len, reserved, hmac_check != 0);
  return decrypt_page(c->keys, page, data, len, reserved, hmac_check != 0);
}

const CipherDescriptor kDescriptor = {
    kSealChaCha20, allocate, free_cipher,  clone_cipher, get_legacy, get_page_size,
    get_reserved,  get_salt, generate_key, encrypt,      decrypt,
};

// The primitives answer RFC 8439's test vectors (§2.3.2 block function, §2.5.2 Poly1305), and the
// counter wraps the sqleet way. Catches a crypto provider that lacks or changes them.
bool self_test() {
  uint8_t key[32];
  for (int i = 0; i < 32; i++) key[i] = static_cast<uint8_t>(i);
  const uint8_t nonce[12] = {0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0};
  const uint8_t block[64] = {0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3,
                             0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22,
                             0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa,
                             0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1,
                             0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e};
  uint8_t out[128] = {};
  if (!chacha20_xor(out, 64, key, nonce, 1) || std::memcmp(out, block, 64) != 0) return false;
  // Across the wrap: block 2^32-1, then block 0 with the same nonce.
  uint8_t wrap[128] = {}, first[64] = {}, second[64] = {};
  if (!chacha20_xor(wrap, sizeof wrap, key, nonce, 0xffffffffu) || !chacha20_xor(first, 64, key, nonce, 0xffffffffu) ||
      !chacha20_xor(second, 64, key, nonce, 0))
    return false;
  if (std::memcmp(wrap, first, 64) != 0 || std::memcmp(wrap + 64, second, 64) != 0) return false;

  const uint8_t mac_key[32] = {0x85, 0xd6, 0xbe, 0x78, 0x57, 0x55, 0x6d, 0x33, 0x7f, 0x44, 0x52,
                               0xfe, 0x42, 0xd5, 0x06, 0xa8, 0x01, 0x03, 0x80, 0x8a, 0xfb, 0x0d,
                               0xb2, 0xfd, 0x4a, 0xbf, 0xf6, 0xaf, 0x41, 0x49, 0xf5, 0x1b};
  const uint8_t expected_tag[16] = {0xa8, 0x06, 0x1d, 0xc1, 0x30, 0x51, 0x36, 0xc6,
                                    0xc2, 0x2b, 0x8b, 0xaf, 0x0c, 0x01, 0x27, 0xa9};
  const char* msg = "Cryptographic Forum Research Group";
  uint8_t tag[16];
  return poly1305(reinterpret_cast<const uint8_t*>(msg), std::strlen(msg), mac_key, tag) &&
         std::memcmp(tag, expected_tag, 16) == 0;
}

}  // namespace

size_t live_sealchacha20_ciphers() { return live_ciphers.load(std::memory_order_relaxed); }

int register_sealchacha20() {
  static std::once_flag once;
  static int result = SQLITE_ERROR;
  std::call_once(once, [] {
    if (sqlite3mc_cipher_index(kSealChaCha20) > 0) {
      result = SQLITE_OK;  // registered by an earlier copy of this code in the process
      return;
    }
    if (!self_test()) return;
    result = sqlite3mc_register_cipher(&kDescriptor, kParams, 0);
  });
  return result;
}

}  // namespace sealmail::store::cipher

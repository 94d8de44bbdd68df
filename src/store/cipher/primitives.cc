#include "store/cipher/primitives.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>

namespace sealmail::store::cipher {

namespace {

// The algorithms are fetched once per process (fetching costs a provider lookup under a lock).
EVP_CIPHER* chacha20_algorithm() {
  static EVP_CIPHER* const algorithm = EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr);
  return algorithm;
}
EVP_MAC* poly1305_algorithm() {
  static EVP_MAC* const algorithm = EVP_MAC_fetch(nullptr, "POLY1305", nullptr);
  return algorithm;
}

// One cipher and one MAC context per thread, initialised once with their algorithm; each page
// only sets a new key and IV. A connection is used by one thread at a time, so a thread's contexts
// are never in use twice at once.
struct ThreadContexts {
  EVP_CIPHER_CTX* stream = nullptr;
  EVP_MAC_CTX* mac = nullptr;
  bool ready = false;

  ThreadContexts() {
    EVP_CIPHER* c = chacha20_algorithm();
    EVP_MAC* m = poly1305_algorithm();
    if (c == nullptr || m == nullptr) return;
    stream = EVP_CIPHER_CTX_new();
    mac = EVP_MAC_CTX_new(m);
    ready = stream != nullptr && mac != nullptr && EVP_EncryptInit_ex2(stream, c, nullptr, nullptr, nullptr) == 1;
  }
  ~ThreadContexts() {
    EVP_MAC_CTX_free(mac);
    EVP_CIPHER_CTX_free(stream);
  }
  ThreadContexts(const ThreadContexts&) = delete;
  ThreadContexts& operator=(const ThreadContexts&) = delete;
};

ThreadContexts& contexts() {
  thread_local ThreadContexts ctx;
  return ctx;
}

// ChaCha20 over data[0..n) from block `counter`, for a range that does not cross the wrap.
bool stream_xor(EVP_CIPHER_CTX* ctx, uint8_t* data, size_t n, const uint8_t key[32], const uint8_t nonce[12],
                uint32_t counter) {
  // OpenSSL's ChaCha20 IV: the 32-bit block counter (little endian), then the 96-bit nonce.
  uint8_t iv[16];
  iv[0] = static_cast<uint8_t>(counter);
  iv[1] = static_cast<uint8_t>(counter >> 8);
  iv[2] = static_cast<uint8_t>(counter >> 16);
  iv[3] = static_cast<uint8_t>(counter >> 24);
  std::memcpy(iv + 4, nonce, 12);
  if (EVP_EncryptInit_ex2(ctx, nullptr, key, iv, nullptr) != 1) return false;
  while (n > 0) {
    // A multiple of the block size, so that a split never leaves a partial block behind.
    int chunk = static_cast<int>(std::min<size_t>(n, size_t{1} << 30));
    int written = 0;
    if (EVP_EncryptUpdate(ctx, data, &written, data, chunk) != 1 || written != chunk) return false;
    data += chunk;
    n -= static_cast<size_t>(chunk);
  }
  return true;
}

// Bumped in the child after fork(): every thread's nonce pool built before is stale.
std::atomic<uint64_t> fork_generation{0};
void after_fork_in_child() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct NoncePool {
  static constexpr size_t kSize = 4096;
  uint8_t bytes[kSize];
  size_t used = kSize;  // empty
  uint64_t generation = 0;
};

}  // namespace

bool random_nonce(uint8_t* out, size_t n) {
  static const bool registered = pthread_atfork(nullptr, nullptr, after_fork_in_child) == 0;
  thread_local NoncePool pool;
  if (!registered || n > 64) return random_bytes(out, n);
  uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != generation || NoncePool::kSize - pool.used < n) {
    if (!random_bytes(pool.bytes, NoncePool::kSize)) return false;
    pool.used = 0;
    pool.generation = generation;
  }
  std::memcpy(out, pool.bytes + pool.used, n);
  pool.used += n;
  return true;
}

bool chacha20_xor(uint8_t* data, size_t n, const uint8_t key[32], const uint8_t nonce[12], uint32_t counter) {
  ThreadContexts& ctx = contexts();
  if (!ctx.ready) return false;
  // Blocks left before the 32-bit counter wraps; sqleet goes on at block 0 with the same nonce.
  uint64_t before_wrap = (uint64_t{1} << 32) - counter;
  size_t first = before_wrap >= (n + 63) / 64 ? n : static_cast<size_t>(before_wrap * 64);
  if (!stream_xor(ctx.stream, data, first, key, nonce, counter)) return false;
  if (first < n) return stream_xor(ctx.stream, data + first, n - first, key, nonce, 0);
  return true;
}

bool poly1305(const uint8_t* msg, size_t n, const uint8_t key[32], uint8_t tag[16]) {
  ThreadContexts& ctx = contexts();
  if (!ctx.ready) return false;
  size_t out = 0;
  return EVP_MAC_init(ctx.mac, key, 32, nullptr) == 1 && EVP_MAC_update(ctx.mac, msg, n) == 1 &&
         EVP_MAC_final(ctx.mac, tag, &out, 16) == 1 && out == 16;
}

bool tags_equal(const uint8_t a[16], const uint8_t b[16]) { return CRYPTO_memcmp(a, b, 16) == 0; }

bool random_bytes(uint8_t* out, size_t n) { return n <= INT_MAX && RAND_bytes(out, static_cast<int>(n)) == 1; }

bool pbkdf2_sha256(const uint8_t* password, size_t password_len, const uint8_t* salt, size_t salt_len, int iterations,
                   uint8_t* out, size_t out_len) {
  if (password_len > INT_MAX || salt_len > INT_MAX || out_len > INT_MAX) return false;
  return PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password), static_cast<int>(password_len), salt,
                           static_cast<int>(salt_len), iterations, EVP_sha256(), static_cast<int>(out_len), out) == 1;
}

bool md5(const uint8_t* data, size_t n, uint8_t digest[16]) {
  unsigned int len = 0;
  return EVP_Digest(data, n, digest, &len, EVP_md5(), nullptr) == 1 && len == 16;
}

void wipe(void* p, size_t n) { OPENSSL_cleanse(p, n); }

}  // namespace sealmail::store::cipher

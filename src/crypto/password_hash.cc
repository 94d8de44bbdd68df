#include "crypto/password_hash.h"

#include <sodium.h>

#include <stdexcept>

namespace sealmail::crypto {

namespace {
constexpr unsigned long long kOpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr size_t kMemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
constexpr std::string_view kPrefix = "$argon2id$";

// An empty SecretBuffer has no storage; libsodium wants a pointer all the same.
const char* chars(const SecretBuffer& s) { return s.data() != nullptr ? reinterpret_cast<const char*>(s.data()) : ""; }
}  // namespace

std::string hash_password(const SecretBuffer& password) {
  init();
  char out[crypto_pwhash_STRBYTES] = {};
  if (crypto_pwhash_str_alg(out, chars(password), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("password hashing failed: out of memory");
  return std::string(out);
}

bool verify_password(std::string_view hash, const SecretBuffer& password) {
  if (!is_password_hash(hash)) return false;
  init();
  // crypto_pwhash_str_verify reads a NUL-terminated string.
  std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), chars(password), password.size()) == 0;
}

bool is_password_hash(std::string_view hash) {
  return hash.size() > kPrefix.size() && hash.size() < crypto_pwhash_STRBYTES &&
         hash.substr(0, kPrefix.size()) == kPrefix && hash.find('\0') == std::string_view::npos;
}

bool password_hash_needs_rehash(std::string_view hash) {
  if (!is_password_hash(hash)) return true;
  init();
  std::string h(hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), kOpsLimit, kMemLimit) != 0;
}

}  // namespace sealmail::crypto

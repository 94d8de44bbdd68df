#include "directory/login_cache.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

namespace sealmail::directory {

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

LoginCache::LoginCache(std::chrono::seconds ttl, size_t max_entries)
    : ttl_(ttl), max_entries_(max_entries), key_(32) {
  crypto::random_bytes({key_.data(), key_.size()});
}

LoginCache::Digest LoginCache::digest(std::string_view address, const crypto::SecretBuffer& password) const {
  Digest out{};
  unsigned int length = 0;
  // The address is part of the MAC so that equal passwords of two aliases differ.
  std::string input = lowercase(address);
  input.push_back('\0');
  input.append(password.view());
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const uint8_t*>(input.data()),
       input.size(), out.data(), &length);
  crypto::wipe(input.data(), input.size());
  return out;
}

Result<Alias> LoginCache::verify(Directory& directory, std::string_view address,
                                 const crypto::SecretBuffer& password) {
  auto key = lowercase(address);
  auto mac = digest(address, password);
  auto now = std::chrono::steady_clock::now();
  std::optional<std::string> cached_hash;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.expires > now &&
        CRYPTO_memcmp(it->second.digest.data(), mac.data(), mac.size()) == 0)
      cached_hash = it->second.password_hash;
  }
  if (cached_hash) {
    // Still the same alias with the same password hash? (A cheap read, no Argon2id.)
    auto alias = directory.find_alias(address);
    if (alias && alias->kind == AliasKind::exact && alias->password_hash == *cached_hash) {
      std::lock_guard lock(mutex_);
      ++hits_;
      return std::move(*alias);
    }
  }
  auto alias = directory.verify_login(address, password);
  if (!alias) return alias;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    order_.erase(it->second.age);
    entries_.erase(it);
  }
  order_.push_back(key);
  entries_[key] = Entry{mac, alias->password_hash, now + ttl_, std::prev(order_.end())};
  while (entries_.size() > max_entries_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  return alias;
}

}  // namespace sealmail::directory

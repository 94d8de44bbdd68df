#include "delivery/mtasts/policy_cache.h"

#include <sodium.h>

#include <fstream>
#include <sstream>

#include "core/hex.h"

namespace sealmail::delivery::mtasts {

PolicyCache::PolicyCache(std::filesystem::path dir) : dir_(std::move(dir)) {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
  }
}

std::filesystem::path PolicyCache::file_of(const std::string& domain) const {
  uint8_t hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(domain.data()), domain.size(),
                     reinterpret_cast<const unsigned char*>("sealmail-mta-sts"), 16);
  return dir_ / (to_hex(hash) + ".policy");
}

std::optional<CachedPolicy> PolicyCache::get(const std::string& domain, int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = memory_.find(domain);
  if (it == memory_.end() && !dir_.empty()) {
    // Line 1: id, line 2: expiry, then the policy text as served.
    std::ifstream in(file_of(domain), std::ios::binary);
    std::string id, expires;
    if (in && std::getline(in, id) && std::getline(in, expires) && !id.empty() && id.size() <= 32) {
      std::ostringstream rest;
      rest << in.rdbuf();
      std::string text = rest.str();
      auto policy = parse_policy(text);
      char* end = nullptr;
      long long e = std::strtoll(expires.c_str(), &end, 10);
      if (policy && end != expires.c_str() && *end == '\0')
        it = memory_.emplace(domain, CachedPolicy{id, e, std::move(*policy), std::move(text)}).first;
    }
  }
  if (it == memory_.end() || it->second.expires <= now) return std::nullopt;
  return it->second;
}

void PolicyCache::put(const std::string& domain, CachedPolicy entry) {
  std::lock_guard lock(mutex_);
  if (!dir_.empty()) {
    auto file = file_of(domain);
    auto tmp = file;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << entry.id << "\n" << entry.expires << "\n" << entry.text;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
  }
  memory_[domain] = std::move(entry);
}

}  // namespace sealmail::delivery::mtasts

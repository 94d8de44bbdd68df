// A small cache of DNS-derived answers for the outbound queue (issue 8): the MX lookup of a
// recipient domain and the TXT lookup of its _mta-sts record, asked for every message, would
// otherwise cost a round of queries per message (Postfix leaves this to the system's caching
// resolver; we may not have one, and tests point us at a plain authoritative server).
//
// Rules: an answer is kept for no longer than the caller's TTL and never for more than max_age
// (a minute by default: a domain that moves its mail elsewhere is followed within it); a TTL of
// 0 keeps nothing. The MX answer's TTL is its address records' least (c-ares gives no other); the
// _mta-sts TXT answer, whose TTL c-ares does not give, is kept for max_age (RFC 8461 §3.1: the
// record only announces a new policy id; the policy itself carries its max_age). At most max_entries names; when full,
// expired entries go first, then everything (a burst to many domains is rare, and each costs one lookup again).
// Thread-safe. Keys are domain names: the cache lives in memory only and is never logged.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace sealmail::delivery {

template <typename T>
class AnswerCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit AnswerCache(std::chrono::seconds max_age = std::chrono::seconds(60), size_t max_entries = 10000)
      : max_age_(max_age), max_entries_(max_entries) {}

  std::optional<T> get(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (Clock::now() >= it->second.expires) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void put(const std::string& key, T value, std::chrono::seconds ttl) {
    auto life = std::min(ttl, max_age_);
    if (life.count() <= 0 || max_entries_ == 0) return;
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries_ && !entries_.count(key)) {
      std::erase_if(entries_, [&](const auto& e) { return now >= e.second.expires; });
      if (entries_.size() >= max_entries_) entries_.clear();
    }
    entries_.insert_or_assign(key, Entry{std::move(value), now + life});
  }

 private:
  struct Entry {
    T value;
    Clock::time_point expires;
  };
  const std::chrono::seconds max_age_;
  const size_t max_entries_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace sealmail::delivery

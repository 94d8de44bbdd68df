// The MTA-STS policy cache (RFC 8461 §5.1): in memory, and on disk in the data directory so that a
// restart keeps policies (what Postfix's postfix-mta-sts-resolver and mox do). A policy is kept
// until its max_age runs out; the sender refetches earlier when the TXT record's id changes.
//
// On disk: one file per domain under <data>/mta-sts/, named by a hash of the domain (the cache
// does not list whom the server writes to in clear), holding the id, the expiry and the policy
// text; written to a temporary file and renamed. A file that does not parse is ignored.
// Thread-safe (a mutex): called from the resolver's fetch threads and from coroutines.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "delivery/mtasts/policy.h"

namespace sealmail::delivery::mtasts {

struct CachedPolicy {
  std::string id;       // the TXT record's id when fetched
  int64_t expires = 0;  // unix seconds: fetched + max_age
  Policy policy;
  std::string text;  // as served, for the disk copy
};

class PolicyCache {
 public:
  // An empty dir: memory only.
  explicit PolicyCache(std::filesystem::path dir);

  // The domain's policy if one is cached and has not expired at `now`.
  std::optional<CachedPolicy> get(const std::string& domain, int64_t now);
  void put(const std::string& domain, CachedPolicy entry);

 private:
  std::filesystem::path file_of(const std::string& domain) const;

  std::filesystem::path dir_;
  std::mutex mutex_;
  std::map<std::string, CachedPolicy> memory_;
};

}  // namespace sealmail::delivery::mtasts

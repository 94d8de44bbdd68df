// MTA-STS for the outbound queue (RFC 8461 §5): which policy, if any, a recipient domain has now.
//
//   TXT _mta-sts.<domain> (c-ares, the configured DNS servers) → no valid record: the cached
//   policy while it lasts, else none (§5.1) → the cached policy when its id equals the record's →
//   otherwise fetch the policy (policy_fetch.h, on this object's own threads: a fetch may wait up
//   to its timeout and must not hold an I/O thread or the SQLite workers), cache it, use it; a
//   fetch that fails falls back to the cached policy, else to none (§3.3: "as though the domain
//   has not implemented MTA-STS").
//
// Rules: lookups never fail delivery by themselves (the answer is "a policy" or "none"); logs
// never name the domain.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delivery/answer_cache.h"
#include "delivery/mtasts/policy.h"
#include "delivery/mtasts/policy_cache.h"
#include "delivery/mtasts/policy_fetch.h"
#include "delivery/mx_resolver.h"

namespace sealmail::delivery::mtasts {

struct MtaStsOptions {
  MxResolverOptions dns;            // servers and timeouts, shared with the MX lookups
  std::filesystem::path cache_dir;  // empty: memory only
  FetchOptions fetch;
  std::function<int64_t()> now;  // unix seconds; null: real time
};

class MtaSts {
 public:
  explicit MtaSts(MtaStsOptions options);
  ~MtaSts();

  // The domain's policy now (mode none included: the caller ignores it), or none. The MtaSts
  // must outlive the call.
  boost::asio::awaitable<std::optional<Policy>> policy_for(std::string domain);

 private:
  int64_t now() const;

  MtaStsOptions options_;
  MxResolver hosts_;
  PolicyCache cache_;
  // _mta-sts TXT answers (found or absent; failures are not kept) for a minute: asked once per
  // message otherwise. The records of a found answer ("" when absent).
  AnswerCache<std::vector<std::string>> txt_cache_;
  boost::asio::thread_pool fetchers_{2};
};

}  // namespace sealmail::delivery::mtasts

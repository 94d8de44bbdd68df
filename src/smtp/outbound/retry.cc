#include "smtp/outbound/retry.h"

#include <algorithm>
#include <cmath>

namespace sealmail::smtp::outbound {

RetryDecision next_attempt(const RetryPolicy& policy, TimePoint queued_at, int failures, TimePoint now) {
  TimePoint deadline = queued_at + policy.lifetime;
  if (now >= deadline) return {true, {}};
  // Computed in double and capped before converting, so a large failure count cannot overflow.
  double wait = static_cast<double>(policy.first.count()) * std::pow(policy.factor, std::max(0, failures - 1));
  wait = std::min(wait, static_cast<double>(policy.max_interval.count()));
  TimePoint next = now + std::chrono::seconds(static_cast<int64_t>(wait));
  return {false, std::min(next, deadline)};
}

RetryDecision after_failure(const RetryPolicy& policy, const BounceInfo& info, TimePoint queued_at, int failures,
                            TimePoint now) {
  if (info.action == BounceAction::reject) return {true, {}};
  return next_attempt(policy, queued_at, failures, now);
}

bool delay_notice_due(const RetryPolicy& policy, TimePoint queued_at, TimePoint now, bool already_sent) {
  return !already_sent && now - queued_at >= policy.delay_notice && now < queued_at + policy.lifetime;
}

}  // namespace sealmail::smtp::outbound

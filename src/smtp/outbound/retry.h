// When to try a deferred delivery again, and when to give up: the five-day schedule of the second
// seed (as Postfix's maximal_queue_lifetime), as pure functions of the times they are given, so
// that the queue passes its clock in and tests run five days in a loop.
//
// Rules this module keeps:
// - The wait after the n-th failure is first·factor^(n-1), capped at max_interval: quick retries
//   for greylisting and short outages, then a steady pace that does not hammer a host.
// - No attempt is planned after queued_at + lifetime; the last one is at that deadline, and a
//   failure at or after it gives up (a DSN to the sender, RFC 3464).
// - A reject (bounce.h) gives up at once whatever the time; a defer follows the schedule.
// - A "delayed" notice goes once, when the message has waited delay_notice without delivery.
#pragma once

#include <chrono>

#include "smtp/outbound/bounce.h"

namespace sealmail::smtp::outbound {

using TimePoint = std::chrono::system_clock::time_point;

struct RetryPolicy {
  std::chrono::seconds first{5 * 60};
  double factor = 2.0;
  std::chrono::seconds max_interval{4 * 3600};
  std::chrono::seconds lifetime{5 * 24 * 3600};
  std::chrono::seconds delay_notice{4 * 3600};
};

struct RetryDecision {
  bool give_up = false;
  TimePoint next;  // when !give_up: the time of the next attempt
};

// After `failures` failed attempts (1 for the first), the last of them at `now`.
RetryDecision next_attempt(const RetryPolicy& policy, TimePoint queued_at, int failures, TimePoint now);

// The same, for a failure classified by classify(): a reject gives up at once.
RetryDecision after_failure(const RetryPolicy& policy, const BounceInfo& info, TimePoint queued_at, int failures,
                            TimePoint now);

// Whether the "delayed" DSN is due now (the caller remembers whether it has sent it).
bool delay_notice_due(const RetryPolicy& policy, TimePoint queued_at, TimePoint now, bool already_sent);

}  // namespace sealmail::smtp::outbound

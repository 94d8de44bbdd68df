// The retry schedule, driven by a clock the test owns: five simulated days of failures in a loop.
#include "smtp/outbound/retry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace sealmail::smtp::outbound {
namespace {

using namespace std::chrono_literals;

const TimePoint kQueued = std::chrono::system_clock::from_time_t(1795428000);

TEST(Retry, BacksOffExponentiallyThenSteadily) {
  RetryPolicy p;
  std::vector<std::chrono::minutes> waits;
  for (int failures = 1; failures <= 9; ++failures) {
    auto d = next_attempt(p, kQueued, failures, kQueued);
    ASSERT_FALSE(d.give_up);
    waits.push_back(std::chrono::duration_cast<std::chrono::minutes>(d.next - kQueued));
  }
  EXPECT_EQ(waits,
            (std::vector<std::chrono::minutes>{5min, 10min, 20min, 40min, 80min, 160min, 240min, 240min, 240min}));
}

TEST(Retry, FiveDaysOfFailuresEndAtTheDeadline) {
  RetryPolicy p;
  TimePoint now = kQueued;  // the first attempt, right after queueing
  std::vector<TimePoint> attempts{now};
  for (int failures = 1;; ++failures) {
    auto d = next_attempt(p, kQueued, failures, now);
    if (d.give_up) break;
    ASSERT_GT(d.next, now);
    now = d.next;  // the test's clock jumps to the planned time; the attempt fails again
    attempts.push_back(now);
    ASSERT_LT(attempts.size(), 1000u) << "never gives up";
  }
  // 0, 5, 15, 35, 75, 155, 315 minutes, then every 4 hours to 7035, then the deadline at 7200.
  EXPECT_EQ(attempts.size(), 36u);
  EXPECT_EQ(attempts.back(), kQueued + 5 * 24h);
  EXPECT_EQ(attempts[6] - kQueued, 315min);
  for (size_t i = 2; i + 1 < attempts.size(); ++i)
    EXPECT_GE(attempts[i] - attempts[i - 1], attempts[i - 1] - attempts[i - 2]);
}

TEST(Retry, GivesUpAtAndAfterTheDeadline) {
  RetryPolicy p;
  EXPECT_TRUE(next_attempt(p, kQueued, 30, kQueued + 5 * 24h).give_up);
  EXPECT_TRUE(next_attempt(p, kQueued, 30, kQueued + 6 * 24h).give_up);
  auto d = next_attempt(p, kQueued, 30, kQueued + 5 * 24h - 1s);
  ASSERT_FALSE(d.give_up);
  EXPECT_EQ(d.next, kQueued + 5 * 24h);  // a last attempt at the deadline, not after it
}

TEST(Retry, ManyFailuresDoNotOverflow) {
  RetryPolicy p;
  auto d = next_attempt(p, kQueued, 1000000, kQueued + 1h);
  ASSERT_FALSE(d.give_up);
  EXPECT_EQ(d.next, kQueued + 5h);
}

TEST(Retry, RejectGivesUpAtOnceDeferFollowsTheSchedule) {
  RetryPolicy p;
  EXPECT_TRUE(after_failure(p, {BounceAction::reject, BounceCategory::unknown_user}, kQueued, 1, kQueued).give_up);
  // A full mailbox defers (the seed's override), so it is retried.
  auto info = classify(Failure{552, "5.2.2", "mailbox full"});
  auto d = after_failure(p, info, kQueued, 1, kQueued);
  ASSERT_FALSE(d.give_up);
  EXPECT_EQ(d.next, kQueued + 5min);
}

TEST(Retry, OtherPolicies) {
  RetryPolicy p;
  p.first = 60s;
  p.factor = 3;
  p.max_interval = 600s;
  p.lifetime = 3600s;
  EXPECT_EQ(next_attempt(p, kQueued, 1, kQueued).next, kQueued + 60s);
  EXPECT_EQ(next_attempt(p, kQueued, 2, kQueued).next, kQueued + 180s);
  EXPECT_EQ(next_attempt(p, kQueued, 3, kQueued).next, kQueued + 540s);
  EXPECT_EQ(next_attempt(p, kQueued, 4, kQueued).next, kQueued + 600s);
  EXPECT_TRUE(next_attempt(p, kQueued, 4, kQueued + 3600s).give_up);
}

TEST(Retry, DelayNoticeOnceAfterFourHours) {
  RetryPolicy p;
  EXPECT_FALSE(delay_notice_due(p, kQueued, kQueued + 4h - 1s, false));
  EXPECT_TRUE(delay_notice_due(p, kQueued, kQueued + 4h, false));
  EXPECT_FALSE(delay_notice_due(p, kQueued, kQueued + 4h, true));
  EXPECT_FALSE(delay_notice_due(p, kQueued, kQueued + 5 * 24h, false));  // then it is a failure report
}

}  // namespace
}  // namespace sealmail::smtp::outbound

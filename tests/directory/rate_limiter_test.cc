// Rate limits with a clock the test moves: sliding windows, failed-login delays and lockouts,
// concurrent connections.
#include "directory/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sealmail::directory {
namespace {

using namespace std::chrono_literals;

class ManualClock {
 public:
  std::chrono::steady_clock::time_point now() const {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  void advance(std::chrono::milliseconds d) { ms_ += d.count(); }
  SteadyClock fn() {
    return [this] { return now(); };
  }

 private:
  std::atomic<int64_t> ms_{1'000'000'000};
};

class RateLimiterTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  InMemoryRateLimiter limiter_{clock_.fn()};
};

TEST_F(RateLimiterTest, AllowsUpToTheLimitThenSlides) {
  EXPECT_TRUE(limiter_.allow("k", 3, 60s));  // t=0
  clock_.advance(10s);
  EXPECT_TRUE(limiter_.allow("k", 3, 60s));  // t=10
  clock_.advance(10s);
  EXPECT_TRUE(limiter_.allow("k", 3, 60s));  // t=20
  EXPECT_FALSE(limiter_.allow("k", 3, 60s));
  EXPECT_EQ(limiter_.count("k", 60s), 3u);  // refusals are not recorded
  clock_.advance(39s);                      // t=59: the first is still inside
  EXPECT_FALSE(limiter_.allow("k", 3, 60s));
  clock_.advance(1s);  // t=60: the first leaves the window
  EXPECT_TRUE(limiter_.allow("k", 3, 60s));
  EXPECT_FALSE(limiter_.allow("k", 3, 60s));
  clock_.advance(10s);  // t=70: the one from t=10 leaves
  EXPECT_TRUE(limiter_.allow("k", 3, 60s));
}

TEST_F(RateLimiterTest, KeysAreIndependent) {
  EXPECT_TRUE(limiter_.allow("conn:192.0.2.1", 1, 1min));
  EXPECT_FALSE(limiter_.allow("conn:192.0.2.1", 1, 1min));
  EXPECT_TRUE(limiter_.allow("conn:192.0.2.2", 1, 1min));
  EXPECT_FALSE(limiter_.allow("zero", 0, 1min));
  EXPECT_EQ(limiter_.retry_after("zero", 0, 1min), Duration::max());
}

TEST_F(RateLimiterTest, HitCountAndReset) {
  EXPECT_EQ(limiter_.count("k", 10s), 0u);
  EXPECT_EQ(limiter_.hit("k", 10s), 1u);
  clock_.advance(4s);
  EXPECT_EQ(limiter_.hit("k", 10s), 2u);
  EXPECT_EQ(limiter_.count("k", 10s), 2u);  // count records nothing
  EXPECT_EQ(limiter_.count("k", 3s), 1u);   // a shorter window sees fewer
  clock_.advance(6s);
  EXPECT_EQ(limiter_.count("k", 10s), 1u);
  limiter_.reset("k");
  EXPECT_EQ(limiter_.count("k", 10s), 0u);
}

TEST_F(RateLimiterTest, RetryAfterSaysWhenAllowWouldSucceed) {
  EXPECT_EQ(limiter_.retry_after("k", 2, 60s), Duration::zero());
  limiter_.hit("k", 60s);  // t=0
  clock_.advance(15s);
  limiter_.hit("k", 60s);  // t=15
  clock_.advance(5s);      // t=20
  EXPECT_EQ(limiter_.retry_after("k", 3, 60s), Duration::zero());
  EXPECT_EQ(limiter_.retry_after("k", 2, 60s), Duration(40s));  // when t=0 leaves
  EXPECT_EQ(limiter_.retry_after("k", 1, 60s), Duration(55s));  // when t=15 leaves
  clock_.advance(40s);
  EXPECT_EQ(limiter_.retry_after("k", 2, 60s), Duration::zero());
  EXPECT_TRUE(limiter_.allow("k", 2, 60s));
}

TEST_F(RateLimiterTest, IdleKeysAreForgotten) {
  for (int i = 0; i < 100; ++i) limiter_.hit("idle" + std::to_string(i), 1s);
  limiter_.hit("busy", 1h);
  EXPECT_EQ(limiter_.keys(), 101u);
  clock_.advance(2s);
  // Use on many keys sweeps every shard (each sweeps after 256 of its calls).
  for (int i = 0; i < 8192; ++i) {
    limiter_.hit("n" + std::to_string(i), 1ms);
    clock_.advance(1ms);
  }
  EXPECT_LE(limiter_.keys(), 16u * 256u);     // far fewer than the 8293 keys ever used
  EXPECT_EQ(limiter_.count("busy", 1h), 1u);  // a key inside its window stays
  EXPECT_EQ(limiter_.count("idle0", 1s), 0u);
}

TEST_F(RateLimiterTest, ExactUnderManyThreads) {
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        if (limiter_.allow("shared", 1000, 1min)) ++allowed;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 1000);
  EXPECT_EQ(limiter_.count("shared", 1min), 1000u);
}

// ---- failed logins ----

LoginPolicy small_policy() {
  LoginPolicy p;
  p.free_failures = 2;
  p.first_delay = 100ms;
  p.max_delay = 1s;
  p.lockout_failures = 6;
  p.window = 10min;
  p.lockout = 1min;
  p.max_lockout = 4min;
  p.lockout_memory = 1h;
  return p;
}

class LoginThrottleTest : public RateLimiterTest {
 protected:
  LoginThrottle throttle_{limiter_, small_policy(), LoginPolicy::per_ip()};
};

TEST_F(LoginThrottleTest, DelayGrowsWithFailures) {
  auto delay = [&] { return throttle_.check("user@example.com", "").delay; };
  EXPECT_EQ(delay(), Duration::zero());
  throttle_.record_failure("user@example.com", "");
  EXPECT_EQ(delay(), Duration::zero());
  throttle_.record_failure("user@example.com", "");
  EXPECT_EQ(delay(), Duration(100ms));
  throttle_.record_failure("user@example.com", "");
  EXPECT_EQ(delay(), Duration(200ms));
  throttle_.record_failure("user@example.com", "");
  EXPECT_EQ(delay(), Duration(400ms));
  throttle_.record_failure("user@example.com", "");
  EXPECT_EQ(delay(), Duration(800ms));
  EXPECT_FALSE(throttle_.check("user@example.com", "").locked);
  EXPECT_EQ(throttle_.check("other@example.com", "").delay, Duration::zero());  // per address
  clock_.advance(10min);                                                        // failures leave the window
  EXPECT_EQ(delay(), Duration::zero());
}

TEST_F(LoginThrottleTest, DelayIsCapped) {
  LoginPolicy p = small_policy();
  p.lockout_failures = 100;
  LoginThrottle t(limiter_, p, p);
  for (int i = 0; i < 20; ++i) t.record_failure("a@example.com", "");
  EXPECT_EQ(t.check("a@example.com", "").delay, Duration(1s));
  EXPECT_FALSE(t.check("a@example.com", "").locked);
}

TEST_F(LoginThrottleTest, LockoutAfterNFailuresThenExpires) {
  for (int i = 0; i < 5; ++i) throttle_.record_failure("user@example.com", "198.51.100.7");
  EXPECT_FALSE(throttle_.check("user@example.com", "").locked);
  throttle_.record_failure("user@example.com", "198.51.100.7");  // the 6th
  auto v = throttle_.check("User@Example.com", "");              // the address in any case
  EXPECT_TRUE(v.locked);
  EXPECT_EQ(v.retry_after, Duration(1min));
  EXPECT_TRUE(throttle_.check("user@example.com", "203.0.113.9").locked);  // from anywhere
  EXPECT_FALSE(throttle_.check("", "198.51.100.7").locked);                // the IP has a looser policy
  clock_.advance(59s);
  v = throttle_.check("user@example.com", "");
  EXPECT_TRUE(v.locked);
  EXPECT_EQ(v.retry_after, Duration(1s));
  clock_.advance(1s);
  v = throttle_.check("user@example.com", "");
  EXPECT_FALSE(v.locked);
  EXPECT_EQ(v.delay, Duration::zero());  // the lockout paid for those failures
}

TEST_F(LoginThrottleTest, EachFurtherLockoutIsLongerUpToTheCap) {
  auto lock_once = [&] {
    for (int i = 0; i < 6; ++i) throttle_.record_failure("user@example.com", "");
    return throttle_.check("user@example.com", "");
  };
  EXPECT_EQ(lock_once().retry_after, Duration(1min));
  clock_.advance(1min);
  EXPECT_FALSE(throttle_.check("user@example.com", "").locked);
  EXPECT_EQ(lock_once().retry_after, Duration(2min));
  clock_.advance(2min);
  EXPECT_EQ(lock_once().retry_after, Duration(4min));
  clock_.advance(4min);
  EXPECT_EQ(lock_once().retry_after, Duration(4min));  // max_lockout
  clock_.advance(4min);
  EXPECT_FALSE(throttle_.check("user@example.com", "").locked);
  clock_.advance(1h);  // lockouts forgotten after lockout_memory: back to the first length
  EXPECT_EQ(lock_once().retry_after, Duration(1min));
}

TEST_F(LoginThrottleTest, SuccessClearsTheAddressFailuresOnly) {
  for (int i = 0; i < 4; ++i) throttle_.record_failure("user@example.com", "198.51.100.7");
  EXPECT_GT(throttle_.check("user@example.com", "").delay, Duration::zero());
  throttle_.record_success("USER@example.com");
  EXPECT_EQ(throttle_.check("user@example.com", "").delay, Duration::zero());
  EXPECT_EQ(limiter_.count("login-fail:ip:198.51.100.7", 15min), 4u);  // the IP still owes them

  for (int i = 0; i < 6; ++i) throttle_.record_failure("user@example.com", "");
  throttle_.record_success("user@example.com");  // a success cannot lift a lockout
  EXPECT_TRUE(throttle_.check("user@example.com", "").locked);
}

TEST_F(LoginThrottleTest, OneIpGuessingManyAddressesIsLockedOut) {
  LoginPolicy ip = LoginPolicy::per_ip();
  for (size_t i = 0; i < ip.lockout_failures; ++i)
    throttle_.record_failure("user" + std::to_string(i) + "@example.com", "203.0.113.5");
  auto v = throttle_.check("fresh@example.com", "203.0.113.5");
  EXPECT_TRUE(v.locked);
  EXPECT_EQ(v.retry_after, Duration(ip.lockout));
  EXPECT_FALSE(throttle_.check("fresh@example.com", "203.0.113.6").locked);
  auto before = throttle_.check("", "203.0.113.5");
  EXPECT_TRUE(before.locked);
  clock_.advance(ip.lockout);
  EXPECT_FALSE(throttle_.check("", "203.0.113.5").locked);
}

// ---- concurrent connections ----

TEST(ConnectionLimiter, TicketsHoldSlotsUntilDestroyed) {
  auto limiter = ConnectionLimiter::create();
  auto a = limiter->try_acquire("192.0.2.1", 2);
  auto b = limiter->try_acquire("192.0.2.1", 2);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(limiter->try_acquire("192.0.2.1", 2));
  EXPECT_TRUE(limiter->try_acquire("192.0.2.2", 2));  // released at once: a temporary
  EXPECT_EQ(limiter->active("192.0.2.2"), 0u);
  EXPECT_EQ(limiter->active("192.0.2.1"), 2u);
  a.reset();
  EXPECT_EQ(limiter->active("192.0.2.1"), 1u);
  auto moved = std::move(*b);  // moving a ticket does not release it
  b.reset();
  EXPECT_EQ(limiter->active("192.0.2.1"), 1u);
  auto c = limiter->try_acquire("192.0.2.1", 2);
  ASSERT_TRUE(c);
  EXPECT_FALSE(limiter->try_acquire("192.0.2.1", 2));
  { auto gone = std::move(moved); }
  EXPECT_EQ(limiter->active("192.0.2.1"), 1u);
  EXPECT_FALSE(limiter->try_acquire("x", 0));
  EXPECT_EQ(limiter->active("x"), 0u);
}

TEST(ConnectionLimiter, TicketsOutliveTheirOwnerSafely) {
  std::optional<ConnectionLimiter::Ticket> t;
  {
    auto limiter = ConnectionLimiter::create();
    t = limiter->try_acquire("k", 1);
  }
  ASSERT_TRUE(t);
  t.reset();  // releases into a limiter kept alive by the ticket
}

}  // namespace
}  // namespace sealmail::directory

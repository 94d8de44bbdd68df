// Rate limits (DESIGN.md point 8, issue 4): sliding windows behind an interface, in memory for one
// process; a Redis implementation can serve a cluster later with the same calls.
//
// - RateLimiter: counts events per key over a sliding window (an exact log of event times).
// - LoginThrottle: failed logins per address and per client IP, giving a growing delay and, after
//   N failures, a temporary lockout that grows with each further lockout.
// - ConnectionLimiter: concurrent connections per key (client IP), released by RAII.
// Aliases created per domain per day are limited by the directory itself
// (DirectoryOptions::aliases_per_domain_per_day), so that the CLI and every server share one count.
//
// Keys are the caller's: prefix them by purpose ("conn:", "send:"...). They live in memory only;
// a remote backend should hash keys holding addresses (DESIGN.md: no addresses at rest in logs).
// All classes are thread-safe. Time comes from an injectable clock so tests control it.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sealmail::directory {

using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;
using Duration = std::chrono::steady_clock::duration;

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Records an event for `key` and returns true when fewer than `limit` events happened in the
  // last `window`; otherwise records nothing and returns false.
  virtual bool allow(std::string_view key, size_t limit, Duration window) = 0;
  // Records an event unconditionally; returns the number of events in the last `window`, this one included.
  virtual size_t hit(std::string_view key, Duration window) = 0;
  // Events in the last `window`, recording nothing. Events are kept for the longest window that
  // hit/allow used on the key, so `window` should not exceed it.
  virtual size_t count(std::string_view key, Duration window) = 0;
  // How long until allow(key, limit, window) would succeed: zero when it would now.
  virtual Duration retry_after(std::string_view key, size_t limit, Duration window) = 0;
  // Forgets every event of `key`.
  virtual void reset(std::string_view key) = 0;
};

// Sliding-window log in memory, sharded by key hash. Idle keys are swept as the limiter is used;
// a key keeps at most kMaxEventsPerKey events (hit() on a flooding key then undercounts, but
// stays far above any limit one would configure).
class InMemoryRateLimiter final : public RateLimiter {
 public:
  static constexpr size_t kMaxEventsPerKey = 100000;

  explicit InMemoryRateLimiter(SteadyClock clock = {});

  bool allow(std::string_view key, size_t limit, Duration window) override;
  size_t hit(std::string_view key, Duration window) override;
  size_t count(std::string_view key, Duration window) override;
  Duration retry_after(std::string_view key, size_t limit, Duration window) override;
  void reset(std::string_view key) override;

  size_t keys();  // for tests and metrics

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Entry {
    std::deque<TimePoint> events;  // oldest first
    Duration retention{};          // longest window used with hit/allow
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Entry> entries;
    uint64_t ops = 0;
  };
  static constexpr size_t kShards = 16;

  Shard& shard_for(std::string_view key);
  // Drops events older than the entry's retention; every so often, drops empty entries.
  static void prune(Entry& e, TimePoint now);
  void sweep(Shard& s, TimePoint now);
  static size_t in_window(const Entry& e, TimePoint now, Duration window);
  size_t record(Shard& s, Entry& e, TimePoint now, Duration window);

  SteadyClock clock_;
  std::array<Shard, kShards> shards_;
};

// How failed logins are answered, per kind of key (address, client IP).
struct LoginPolicy {
  size_t free_failures = 3;                    // failures before any delay
  std::chrono::milliseconds first_delay{500};  // then doubles per failure...
  std::chrono::milliseconds max_delay{8000};   // ...up to this
  size_t lockout_failures = 10;                // failures within `window` that lock the key
  std::chrono::seconds window{std::chrono::minutes(15)};
  std::chrono::seconds lockout{std::chrono::minutes(5)};        // the first lockout; doubles per further one...
  std::chrono::seconds max_lockout{std::chrono::hours(24)};     // ...up to this
  std::chrono::seconds lockout_memory{std::chrono::hours(24)};  // how long lockouts are remembered

  static LoginPolicy per_address() { return {}; }
  // An address behind one IP is one user; an IP can be a whole office (NAT): looser.
  static LoginPolicy per_ip() {
    LoginPolicy p;
    p.free_failures = 10;
    p.lockout_failures = 50;
    p.lockout = std::chrono::minutes(15);
    return p;
  }
};

class LoginThrottle {
 public:
  struct Verdict {
    bool locked = false;     // refuse without checking the password
    Duration delay{};        // wait this long before answering (also on failure)
    Duration retry_after{};  // when locked: until the lockout ends
  };

  explicit LoginThrottle(RateLimiter& limiter, LoginPolicy address_policy = LoginPolicy::per_address(),
                         LoginPolicy ip_policy = LoginPolicy::per_ip());

  // Before a password is checked. The address is compared case-insensitively; either may be empty.
  Verdict check(std::string_view address, std::string_view ip);
  // After a wrong password (or an unknown address: count both the same, to reveal nothing).
  void record_failure(std::string_view address, std::string_view ip);
  // After a good password: forgets the address's failures (not the IP's, nor past lockouts).
  void record_success(std::string_view address);

 private:
  Verdict check_key(const std::string& key, const LoginPolicy& p);
  void fail_key(const std::string& key, const LoginPolicy& p);
  static Duration lockout_for(size_t lockouts, const LoginPolicy& p);

  RateLimiter& limiter_;
  LoginPolicy address_policy_;
  LoginPolicy ip_policy_;
};

// Concurrent connections per key (client IP). try_acquire returns a ticket that releases its slot
// when destroyed; none when the key already holds `max` tickets.
class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  class Ticket {
   public:
    ~Ticket();
    Ticket(Ticket&& o) noexcept = default;
    Ticket& operator=(Ticket&& o) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    friend class ConnectionLimiter;
    Ticket(std::shared_ptr<ConnectionLimiter> owner, std::string key)
        : owner_(std::move(owner)), key_(std::move(key)) {}
    std::shared_ptr<ConnectionLimiter> owner_;
    std::string key_;
  };

  // Tickets keep their limiter alive, so it lives in a shared_ptr.
  static std::shared_ptr<ConnectionLimiter> create() {
    return std::shared_ptr<ConnectionLimiter>(new ConnectionLimiter());
  }
  std::optional<Ticket> try_acquire(std::string_view key, size_t max);
  size_t active(std::string_view key);

 private:
  ConnectionLimiter() = default;
  void release(const std::string& key);

  std::mutex mu_;
  std::unordered_map<std::string, size_t> active_;
};

}  // namespace sealmail::directory

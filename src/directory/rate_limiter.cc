#include "directory/rate_limiter.h"

#include <algorithm>
#include <functional>

#include "directory/address.h"

namespace sealmail::directory {

// ---- InMemoryRateLimiter ----

InMemoryRateLimiter::InMemoryRateLimiter(SteadyClock clock) : clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

InMemoryRateLimiter::Shard& InMemoryRateLimiter::shard_for(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

void InMemoryRateLimiter::prune(Entry& e, TimePoint now) {
  while (!e.events.empty() && e.events.front() <= now - e.retention) e.events.pop_front();
}

void InMemoryRateLimiter::sweep(Shard& s, TimePoint now) {
  if (++s.ops % 256 != 0) return;
  for (auto it = s.entries.begin(); it != s.entries.end();) {
    prune(it->second, now);
    it = it->second.events.empty() ? s.entries.erase(it) : std::next(it);
  }
}

size_t InMemoryRateLimiter::in_window(const Entry& e, TimePoint now, Duration window) {
  // Events are in time order: the ones inside the window are a suffix.
  auto first = std::upper_bound(e.events.begin(), e.events.end(), now - window);
  return static_cast<size_t>(e.events.end() - first);
}

size_t InMemoryRateLimiter::record(Shard& s, Entry& e, TimePoint now, Duration window) {
  e.retention = std::max(e.retention, window);
  prune(e, now);
  e.events.push_back(now);
  if (e.events.size() > kMaxEventsPerKey) e.events.pop_front();
  size_t n = in_window(e, now, window);
  sweep(s, now);  // may erase other entries, never this one (it holds an event)
  return n;
}

bool InMemoryRateLimiter::allow(std::string_view key, size_t limit, Duration window) {
  TimePoint now = clock_();
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  Entry& e = s.entries[std::string(key)];
  e.retention = std::max(e.retention, window);
  prune(e, now);
  if (in_window(e, now, window) >= limit) {
    if (e.events.empty()) s.entries.erase(std::string(key));
    return false;
  }
  record(s, e, now, window);
  return true;
}

size_t InMemoryRateLimiter::hit(std::string_view key, Duration window) {
  TimePoint now = clock_();
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  return record(s, s.entries[std::string(key)], now, window);
}

size_t InMemoryRateLimiter::count(std::string_view key, Duration window) {
  TimePoint now = clock_();
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(std::string(key));
  if (it == s.entries.end()) return 0;
  prune(it->second, now);
  return in_window(it->second, now, window);
}

Duration InMemoryRateLimiter::retry_after(std::string_view key, size_t limit, Duration window) {
  if (limit == 0) return Duration::max();
  TimePoint now = clock_();
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(std::string(key));
  if (it == s.entries.end()) return Duration::zero();
  Entry& e = it->second;
  prune(e, now);
  size_t n = in_window(e, now, window);
  if (n < limit) return Duration::zero();
  // Once the event `limit` places from the newest leaves the window, limit - 1 remain.
  TimePoint t = e.events[e.events.size() - limit];
  return t + window - now;
}

void InMemoryRateLimiter::reset(std::string_view key) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  s.entries.erase(std::string(key));
}

size_t InMemoryRateLimiter::keys() {
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.entries.size();
  }
  return n;
}

// ---- LoginThrottle ----

namespace {
std::string failures_key(const std::string& key) { return "login-fail:" + key; }
std::string lockouts_key(const std::string& key) { return "login-lock:" + key; }
std::string address_key(std::string_view address) { return "a:" + ascii_lower(address); }
std::string ip_key(std::string_view ip) { return "ip:" + std::string(ip); }

// base * 2^steps, at most cap (no overflow: stops doubling once the cap is reached).
template <typename D>
D doubled(D base, size_t steps, D cap) {
  D d = base;
  for (size_t i = 0; i < steps && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}
}  // namespace

LoginThrottle::LoginThrottle(RateLimiter& limiter, LoginPolicy address_policy, LoginPolicy ip_policy)
    : limiter_(limiter), address_policy_(address_policy), ip_policy_(ip_policy) {}

Duration LoginThrottle::lockout_for(size_t lockouts, const LoginPolicy& p) {
  return doubled<std::chrono::seconds>(p.lockout, lockouts > 0 ? lockouts - 1 : 0, p.max_lockout);
}

LoginThrottle::Verdict LoginThrottle::check_key(const std::string& key, const LoginPolicy& p) {
  Verdict v;
  std::string locks = lockouts_key(key);
  if (size_t m = limiter_.count(locks, p.lockout_memory); m > 0) {
    // Locked while the latest lockout is younger than the lockout it earned.
    Duration left = limiter_.retry_after(locks, 1, lockout_for(m, p));
    if (left > Duration::zero()) {
      v.locked = true;
      v.retry_after = left;
    }
  }
  size_t f = limiter_.count(failures_key(key), p.window);
  if (f >= p.free_failures)
    v.delay = doubled<std::chrono::milliseconds>(p.first_delay, f - p.free_failures, p.max_delay);
  return v;
}

void LoginThrottle::fail_key(const std::string& key, const LoginPolicy& p) {
  std::string fails = failures_key(key);
  if (limiter_.hit(fails, p.window) >= p.lockout_failures) {
    limiter_.hit(lockouts_key(key), std::max(p.lockout_memory, p.max_lockout));
    // The lockout is the penalty for these failures; after it, the count starts again (and the
    // next lockout is longer).
    limiter_.reset(fails);
  }
}

LoginThrottle::Verdict LoginThrottle::check(std::string_view address, std::string_view ip) {
  Verdict out;
  auto merge = [&](const Verdict& v) {
    out.locked = out.locked || v.locked;
    out.delay = std::max(out.delay, v.delay);
    out.retry_after = std::max(out.retry_after, v.retry_after);
  };
  if (!address.empty()) merge(check_key(address_key(address), address_policy_));
  if (!ip.empty()) merge(check_key(ip_key(ip), ip_policy_));
  return out;
}

void LoginThrottle::record_failure(std::string_view address, std::string_view ip) {
  if (!address.empty()) fail_key(address_key(address), address_policy_);
  if (!ip.empty()) fail_key(ip_key(ip), ip_policy_);
}

void LoginThrottle::record_success(std::string_view address) {
  if (!address.empty()) limiter_.reset(failures_key(address_key(address)));
}

// ---- ConnectionLimiter ----

ConnectionLimiter::Ticket::~Ticket() {
  if (owner_) owner_->release(key_);
}

ConnectionLimiter::Ticket& ConnectionLimiter::Ticket::operator=(Ticket&& o) noexcept {
  if (this != &o) {
    if (owner_) owner_->release(key_);
    owner_ = std::move(o.owner_);
    key_ = std::move(o.key_);
  }
  return *this;
}

std::optional<ConnectionLimiter::Ticket> ConnectionLimiter::try_acquire(std::string_view key, size_t max) {
  std::string k(key);
  {
    std::lock_guard lock(mu_);
    size_t& n = active_[k];
    if (n >= max) {
      if (n == 0) active_.erase(k);
      return std::nullopt;
    }
    ++n;
  }
  return Ticket(shared_from_this(), std::move(k));
}

size_t ConnectionLimiter::active(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = active_.find(std::string(key));
  return it == active_.end() ? 0 : it->second;
}

void ConnectionLimiter::release(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = active_.find(key);
  if (it != active_.end() && --it->second == 0) active_.erase(it);
}

}  // namespace sealmail::directory

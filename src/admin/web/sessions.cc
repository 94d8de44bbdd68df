#include "admin/web/sessions.h"

#include <sodium.h>

#include <array>

#include "core/hex.h"

namespace sealmail::admin::web {

namespace {
std::string random_hex32() {
  std::array<uint8_t, 32> raw{};
  randombytes_buf(raw.data(), raw.size());
  auto out = to_hex(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}
}  // namespace

SessionTable::SessionTable(SessionPolicy policy, Clock clock)
    : policy_(policy), clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

std::string SessionTable::key_of(const std::string& id) {
  std::array<uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(id.data()), id.size(), nullptr, 0);
  return to_hex(h);
}

void SessionTable::sweep(std::chrono::steady_clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool expired = now - it->second.last_seen > policy_.idle || now - it->second.created > policy_.absolute;
    it = expired ? entries_.erase(it) : std::next(it);
  }
}

std::pair<std::string, Session> SessionTable::create(Principal who) {
  auto now = clock_();
  std::string id = random_hex32();
  Session s{std::move(who), random_hex32()};
  std::lock_guard lock(mutex_);
  sweep(now);
  if (entries_.size() >= policy_.max_sessions) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->second.created < oldest->second.created) oldest = it;
    entries_.erase(oldest);
  }
  entries_[key_of(id)] = Entry{s, now, now};
  return {id, s};
}

std::optional<Session> SessionTable::find(const std::string& id) {
  if (id.size() != 64) return std::nullopt;
  auto now = clock_();
  auto key = key_of(id);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (now - it->second.last_seen > policy_.idle || now - it->second.created > policy_.absolute) {
    entries_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second.session;
}

void SessionTable::remove(const std::string& id) {
  auto key = key_of(id);
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

void SessionTable::remove_all(Principal::Kind kind, int64_t id) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();)
    it = it->second.session.who.kind == kind && it->second.session.who.id == id ? entries_.erase(it) : std::next(it);
}

size_t SessionTable::size() {
  std::lock_guard lock(mutex_);
  sweep(clock_());
  return entries_.size();
}

std::string credential_stamp(std::string_view password_hash) {
  std::array<uint8_t, 16> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(password_hash.data()),
                     password_hash.size(), nullptr, 0);
  return to_hex(h);
}

bool same_token(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sealmail::admin::web

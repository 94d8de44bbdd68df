// The account web page's sessions: kept in memory only (a restart logs everyone out), never
// written anywhere. A session id is 32 random bytes (hex) handed to the browser in a cookie; the
// table is keyed by a BLAKE2b hash of it, so the ids themselves are not kept and a lookup's timing
// says nothing about them. Each session has its own CSRF token, an idle expiry and an absolute one.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sealmail::admin::web {

// Who logged in: a domain owner (an account, by its own password) or an alias holder (the alias
// address and its password).
struct Principal {
  enum class Kind { account, alias } kind = Kind::alias;
  int64_t id = 0;    // account id or alias id
  std::string name;  // account name or alias address, as the directory spells it
  // A digest of the password hash the principal logged in with (credential_stamp): a request whose
  // principal's password has changed since (on this page, over the API or with the CLI) finds its
  // session ended, as Django's session auth hash does.
  std::string credential;
};

// A BLAKE2b digest of a stored Argon2id string: equal stamps, same password hash.
std::string credential_stamp(std::string_view password_hash);

struct Session {
  Principal who;
  std::string csrf;  // 64 hex characters
};

struct SessionPolicy {
  std::chrono::seconds idle{std::chrono::minutes(30)};
  std::chrono::seconds absolute{std::chrono::hours(12)};
  size_t max_sessions = 10000;  // beyond it, the oldest session is dropped
};

class SessionTable {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit SessionTable(SessionPolicy policy = {}, Clock clock = {});

  // A new session for `who`: returns its id (for the cookie) and the session.
  std::pair<std::string, Session> create(Principal who);
  // The live session with this id (touching its idle expiry); none when unknown or expired.
  std::optional<Session> find(const std::string& id);
  void remove(const std::string& id);
  // Ends every session of this principal (its alias was removed, its password changed).
  void remove_all(Principal::Kind kind, int64_t id);
  size_t size();

 private:
  struct Entry {
    Session session;
    std::chrono::steady_clock::time_point created, last_seen;
  };
  static std::string key_of(const std::string& id);
  void sweep(std::chrono::steady_clock::time_point now);

  SessionPolicy policy_;
  Clock clock_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

// True when the two strings are equal, in time that depends only on their lengths.
bool same_token(const std::string& a, const std::string& b);

}  // namespace sealmail::admin::web

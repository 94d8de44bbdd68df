// Greylisting (issue 9; the method of Evan Harris's 2003 paper as postgrey does it): the first
// message of a triplet (the client's network, the envelope sender, the recipient) is answered
// 451 4.7.1 at RCPT; a retry after `delay` and within the retry window passes, and the triplet is
// then remembered for `max_age` from its last message, so that its later mail passes at once.
//
// Rules kept:
// - Privacy: the store holds only keyed hashes of triplets (HMAC-SHA-256 under a secret of the data
//   directory, `greylist-secret`), and times: never an address or a client IP.
// - The network is the client's /24 (IPv4) or /64 (IPv6), as postgrey's --lookup-by-subnet, so that
//   a sender retrying from another host of its pool is not delayed again.
// - Durable across restarts: a small SQLite file in the data directory (greylist.sqlite), WAL.
// - Blocking (SQLite): call from the worker pool. Thread-safe (one connection behind a mutex).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sqlite/sqlite.h"

namespace sealmail::delivery::screening {

struct GreylistTimes {
  int64_t delay = 300;
  int64_t retry_window = 2 * 86400;
  int64_t max_age = 35 * 86400;
};

enum class GreylistVerdict { pass, wait };

struct GreylistAnswer {
  GreylistVerdict verdict = GreylistVerdict::pass;
  int64_t retry_in = 0;  // wait: seconds until a retry would pass
};

class Greylist {
 public:
  // Opens (or makes) `file`; `secret` keys the hashes.
  static Result<std::unique_ptr<Greylist>> open(const std::filesystem::path& file, std::string secret);
  ~Greylist();

  // The network part of `client_ip` ("192.0.2.0/24", "2001:db8:1:2::/64"); "" when not an IP.
  static std::string network_of(std::string_view client_ip);

  Result<GreylistAnswer> check(std::string_view client_ip, std::string_view sender, std::string_view recipient,
                               int64_t now, const GreylistTimes& times);
  size_t size();  // triplets stored (tests)

 private:
  Greylist() = default;
  std::string key_of(std::string_view network, std::string_view sender, std::string_view recipient) const;

  std::mutex mutex_;
  sql::Db db_;
  std::string secret_;
  uint64_t checks_ = 0;
};

}  // namespace sealmail::delivery::screening

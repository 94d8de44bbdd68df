// DNS lookups for mail authentication (SPF, DKIM keys, DMARC policies), over the c-ares channel
// the forwarder uses (delivery/dns_channel.h, on Asio), against the resolver address the config
// names ([authentication] dns_servers, or [delivery] dns_servers; tests point it at their NSD),
// with a cache.
//
// Rules it keeps:
// - Answers are cached for their TTL, bounded by max_ttl; "no such name" and "no record" are
//   cached for negative_ttl; failures (timeouts, SERVFAIL, malformed replies) are never cached,
//   so a retried message asks again.
// - The cache holds at most max_entries names; when full it drops expired entries, then all.
// - Names are never logged (a domain tells who wrote to whom).
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sealmail::delivery::auth {

struct DnsRecordsOptions {
  std::vector<std::string> servers;  // "ip:port"; empty: /etc/resolv.conf
  std::chrono::milliseconds timeout{2000};
  int tries = 2;
  std::chrono::seconds max_ttl{3600};
  std::chrono::seconds negative_ttl{60};
  size_t max_entries = 10000;
};

struct DnsLookup {
  enum class Status { found, none, error };  // none: NXDOMAIN or no record of the type
  Status status = Status::error;
  std::vector<std::string> values;
  bool nxdomain = false;
};

class DnsRecords {
 public:
  explicit DnsRecords(DnsRecordsOptions options);

  // `type` is kDnsTxt, kDnsA, kDnsAaaa or kDnsMx (dns_answer.h). Runs on the caller's executor.
  boost::asio::awaitable<DnsLookup> lookup(std::string name, int type);

  size_t cached() const;
  uint64_t queries() const { return queries_; }  // lookups that went to the network (for tests)

 private:
  struct Entry {
    DnsLookup answer;
    std::chrono::steady_clock::time_point expires;
  };
  void remember(const std::string& key, const DnsLookup& answer, std::chrono::seconds ttl);

  DnsRecordsOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> cache_;
  std::atomic<uint64_t> queries_{0};
};

}  // namespace sealmail::delivery::auth

// Where to deliver mail for a domain (RFC 5321 §5.1): its MX records, lowest preference first and
// shuffled among equal preferences (so load spreads as the domain intended); without MX records,
// the domain itself as the implicit MX; a null MX (a single "MX 0 .", RFC 7505) means the domain
// accepts no mail at all. Each host comes with its addresses (A, then AAAA: IPv4 first, because
// receivers judge IPv6 senders more harshly, e.g. by reverse DNS).
//
// Errors have two kinds, as a sender must treat them: permanent (the domain does not exist, has a
// null MX, or none of its hosts has an address) and temporary (SERVFAIL, timeouts, refused, a
// malformed answer: try again later).
//
// Rules: DNS servers are configurable ("ip:port") so tests run a real server on loopback; no search
// domains are applied; the resolver never logs names (a domain names who is written to).
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sealmail::delivery {

struct MxResolverOptions {
  std::vector<std::string> servers;         // "127.0.0.1:5353", "[::1]:53"; empty: /etc/resolv.conf
  std::chrono::milliseconds timeout{2000};  // per query and server, before c-ares retries
  int tries = 2;
  bool ipv6 = true;       // also ask AAAA
  size_t max_hosts = 10;  // the hosts beyond this many are not resolved (RFC 5321 §5.1 bounds tries)
};

struct MxHost {
  std::string name;
  uint16_t preference = 0;
  std::vector<boost::asio::ip::address> addresses;
};

enum class DnsFailure { temporary, permanent };

struct MxResult {
  std::vector<MxHost> hosts;  // in the order to try; empty when failure is set
  std::optional<DnsFailure> failure;
  std::string reason;     // why, for an operator: never holds the domain
  bool implicit = false;  // no MX records: the domain's own addresses
  // How long the answer may be kept (seconds): the least TTL of the address records it holds
  // (c-ares does not give the MX records' own TTL); 0 for failures and address literals.
  uint32_t ttl = 0;

  bool ok() const { return !failure.has_value(); }
};

class MxResolver {
 public:
  explicit MxResolver(MxResolverOptions options);

  // Runs on the calling coroutine's executor (its own strand inside). The resolver must outlive it.
  boost::asio::awaitable<MxResult> resolve(std::string domain) const;
  // The addresses of one host (A, then AAAA), for a relay named by host name.
  boost::asio::awaitable<MxResult> resolve_host(std::string host) const;

 private:
  MxResolverOptions options_;
};

}  // namespace sealmail::delivery

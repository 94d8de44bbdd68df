// DANE for SMTP (RFC 7672) over a DNSSEC-validating resolver (libunbound, forwarding to the
// configured DNS servers, with the configured trust anchor).
//
//   mx_secure(domain): does the domain's MX answer (or, without MX, its address answer) validate?
//   Only then are TLSA records of its hosts looked up (§2.2: an insecure MX RRset gives no DANE).
// When the resolver does not validate the trust anchor's zone (see validating()), every answer
// counts as insecure: no DANE, delivery as without it.
//   tlsa(host): the usable TLSA records at _25._tcp.<host> when the host's own address records
//   (A and AAAA, CNAMEs followed) and then that answer validate (§2.2.2; insecure addresses give
//   "insecure": no DANE for the host, bogus ones "bogus"). When the addresses came through a
//   secure CNAME chain, the TLSA records are looked up first at the fully expanded name, then
//   (none there) at the MX host name itself (§2.2.2, RFC 7671 §7), and both names are the
//   certificate's reference identifiers for DANE-TA (§3.2.2):
//   DANE-TA(2) and DANE-EE(3), selector 0/1, matching 0/1/2 (§3.1; others are unusable and
//   dropped). "bogus" (validation failed) means the host must not be used (§2.1.1).
//
// Why libunbound and not c-ares: c-ares does not validate DNSSEC, and trusting a resolver's AD bit
// over the network would make an on-path attacker the judge. c-ares stays for the MX and address
// lookups of every delivery; libunbound is only asked where DANE needs a validated answer.
//
// Lookups are blocking calls (ub_resolve) on this object's own threads, so that a slow validation
// holds neither an I/O thread nor the SQLite workers. Logs never name the domain or host.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "smtp/client/client.h"

struct ub_ctx;

namespace sealmail::delivery::dane {

struct DaneOptions {
  std::vector<std::string> servers;    // "ip:port" forwarders; empty: /etc/resolv.conf's
  std::filesystem::path trust_anchor;  // DS or DNSKEY records in zone file format
};

enum class Validation { secure, insecure, bogus, failed };

struct TlsaResult {
  Validation validation = Validation::failed;
  std::vector<smtp::client::Tlsa> usable;  // when secure
  size_t unusable = 0;                     // records dropped (usage 0/1, unknown parameters)
  // The names a DANE-TA(2) certificate may carry: the TLSA base domain first (it is also the
  // SNI), then the other of the MX host name and its CNAME expansion, when they differ.
  std::vector<std::string> names;
};

class Dane {
 public:
  // Null (with a log line) when the resolver cannot be set up: DANE is then off.
  static std::unique_ptr<Dane> create(const DaneOptions& options);
  ~Dane();

  boost::asio::awaitable<Validation> mx_secure(std::string domain);
  boost::asio::awaitable<TlsaResult> tlsa(std::string host, uint16_t port = 25);

  // Blocking forms (on the calling thread).
  Validation lookup_mx(const std::string& domain);
  TlsaResult lookup_tlsa(const std::string& host, uint16_t port);
  // The host's A and AAAA answers judged together: bogus if one is, insecure if one is.
  Validation lookup_addresses(const std::string& host);

 private:
  struct Addresses {
    Validation validation = Validation::failed;
    std::string expanded;  // the CNAME chain's target when the host name is an alias, else empty
  };
  Addresses resolve_addresses(const std::string& host);
  // The TLSA RRset at _<port>._tcp.<base>, judged and filtered.
  TlsaResult tlsa_at(const std::string& base, uint16_t port);

  Dane(ub_ctx* ctx, std::string anchor_zone);
  // Whether the resolver path validates at all: the trust anchor's own DNSKEY answer must be
  // secure (asked once, again after an hour). A forwarder that strips DNSSEC, or one that does not
  // serve the anchor's zone, would make every answer bogus and defer all mail: DANE is off then.
  bool validating();

  ub_ctx* ctx_;
  std::string anchor_zone_;
  std::mutex probe_mutex_;
  std::chrono::steady_clock::time_point probed_at_{};
  bool probed_ = false, validating_ = false;
  boost::asio::thread_pool threads_{2};
};

}  // namespace sealmail::delivery::dane

// DMARC (RFC 7489): the policy record (§6.3), its discovery at _dmarc.<From domain> and then at
// the organizational domain (§6.6.3, the public suffix list through libpsl from Debian), and the
// evaluation: a pass needs an SPF or DKIM pass whose domain is aligned with the From domain
// (§3.1, relaxed: the same organizational domain; strict: the same name).
//
// Rules it keeps:
// - A message whose From does not hold exactly one address with a domain gets permerror and no
//   policy action (§6.6.1 allows rejecting; we do not guess).
// - sp= applies when the record came from the organizational domain and the From domain is below
//   it; pct= samples which failing messages the policy applies to, the others getting the next
//   milder policy (§6.6.4: reject -> quarantine, quarantine -> none).
// - A record with an unknown p= is ignored as if absent (§6.6.3 step 6); an invalid sp= falls back
//   to p=.
#pragma once

#include <boost/asio.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "delivery/auth/dns_records.h"

namespace sealmail::delivery::auth {

enum class DmarcPolicy { none, quarantine, reject };
enum class DmarcResult { none, pass, fail, temperror, permerror };
const char* to_string(DmarcResult r);
const char* to_string(DmarcPolicy p);

struct DmarcRecord {
  DmarcPolicy p = DmarcPolicy::none;
  std::optional<DmarcPolicy> sp;
  int pct = 100;
  bool strict_dkim = false;  // adkim=s
  bool strict_spf = false;   // aspf=s
};

// nullopt: not a usable DMARC record.
std::optional<DmarcRecord> parse_dmarc_record(std::string_view txt);

// The organizational domain (§3.2) of a lower-case domain name.
std::string organizational_domain(const std::string& domain);

// The domain of the single address in a From field's value; nullopt when not exactly one.
std::optional<std::string> from_domain(std::string_view from_value);

struct DmarcInputs {
  std::string from_domain;
  std::vector<std::string> dkim_pass_domains;  // d= of passing signatures
  std::string spf_pass_domain;                 // empty unless SPF passed
};

struct DmarcCheck {
  DmarcResult result = DmarcResult::none;
  DmarcPolicy policy = DmarcPolicy::none;  // the published one that applies (p= or sp=)
  DmarcPolicy action = DmarcPolicy::none;  // what to do with this message (after pct=)
};

boost::asio::awaitable<DmarcCheck> check_dmarc(DnsRecords& dns, DmarcInputs inputs);

}  // namespace sealmail::delivery::auth

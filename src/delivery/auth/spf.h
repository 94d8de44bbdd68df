// SPF evaluation (RFC 7208 §4, §5): check_host() for the client's address and the MAIL FROM
// domain (or the HELO name for the null reverse-path, §2.4), over DnsRecords.
//
// Rules it keeps:
// - At most 10 terms that cause DNS lookups (include, a, mx, ptr, exists, redirect) per check,
//   and at most 2 "void" lookups (no such name / no records): beyond, permerror (§4.6.4).
// - mx: at most 10 exchange names, each one address lookup (§4.6.4).
// - ptr is not used for a match: §5.5 says it SHOULD NOT be published, and its answer would need
//   a reverse and a forward lookup for every name; it counts as a lookup and never matches.
// - A DNS failure is temperror; a syntax error anywhere (including included records) permerror.
#pragma once

#include <boost/asio.hpp>
#include <string>

#include "delivery/auth/dns_records.h"
#include "delivery/auth/spf_record.h"

namespace sealmail::delivery::auth {

struct SpfCheck {
  SpfResult result = SpfResult::none;
  std::string domain;  // the domain checked (MAIL FROM's, or HELO's): for the header and DMARC
  bool used_helo = false;
};

// `mail_from` may be empty (a bounce). `receiver` is our host name (macro %{r}).
boost::asio::awaitable<SpfCheck> check_spf(DnsRecords& dns, std::string client_ip, std::string mail_from,
                                           std::string helo, std::string receiver);

}  // namespace sealmail::delivery::auth

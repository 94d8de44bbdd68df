// Authentication of inbound mail at the MX (issue 9): SPF (spf.h), DKIM (dkim_verify.h), ARC
// (arc.h) and DMARC (dmarc.h), summed up in one Authentication-Results field (RFC 8601) whose
// authserv-id is our host name, and the DMARC policy's verdict for the router.
//
// Rules it keeps:
// - Fields claiming our authserv-id are removed from the message before it is stored or passed
//   on (RFC 8601 §5); the new field goes in front of it.
// - Each check can be switched off (AuthSwitches); a check that is off is not in the header and
//   does not feed DMARC. DMARC's reject and quarantine are only acted on when `enforce` is set.
// - DNS failures never refuse mail for good: they are reported as temperror and the message is
//   accepted unless the router chooses otherwise.
// - No log line holds a domain or address: only counts and results.
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <string>

#include "delivery/auth/arc.h"
#include "delivery/auth/authentication_results.h"
#include "delivery/auth/dmarc.h"
#include "delivery/auth/dns_records.h"
#include "smtp/server/delivery.h"

namespace sealmail::delivery::auth {

struct AuthSwitches {
  bool spf = true;
  bool dkim = true;
  bool dmarc = true;  // needs spf or dkim to mean anything
  bool arc = true;
  bool enforce = true;  // act on DMARC p=reject / p=quarantine
};

struct AuthVerdict {
  AuthenticationResults results;
  std::string header;                          // "Authentication-Results: ...\r\n", empty when every check is off
  std::shared_ptr<const std::string> message;  // the message without fields claiming our id
  DmarcPolicy action = DmarcPolicy::none;      // reject: answer 550 5.7.1; quarantine: Junk
  ArcCheck arc;                                // the chain as received, for our ARC set
};

class Authenticator {
 public:
  Authenticator(std::string hostname, DnsRecordsOptions dns);

  boost::asio::awaitable<AuthVerdict> check(const smtp::Envelope& envelope, std::shared_ptr<const std::string> message,
                                            AuthSwitches switches);

  const std::string& hostname() const { return hostname_; }
  DnsRecords& dns() { return dns_; }

 private:
  std::string hostname_;
  DnsRecords dns_;
};

}  // namespace sealmail::delivery::auth

// Screening of inbound mail by who sends it (issue 9): DNS blocklists (dnsbl_zone.h), greylisting
// (greylist.h) and rspamd (rspamd_client.h), beside the content filters (filters/content_filter.h).
// The Router calls it at RCPT, for each recipient it accepted, and at the end of DATA.
//
// What it decides:
// - RCPT: the client listed by a zone whose action is "refuse", for a recipient whose dnsbl is on:
//   554 5.7.1 "Service unavailable; Client host [ip] blocked using <zone>; <its TXT record>"
//   (Postfix's words); then,
//   when greylisting is enabled and the recipient's greylist is on, a new triplet gets
//   451 4.7.1 "Greylisted, try again in N seconds".
// - DATA: zones whose action is "junk" that list the client send the copies of recipients with
//   dnsbl on to Junk; rspamd (when configured, for recipients with rspamd on) may refuse (554), defer
//   (451) or send to Junk. What was found goes into the X-Sealmail-Scan header ("dnsbl=<zones>",
//   "rspamd=<action> (score; symbols)"), never an address or content.
// - Never checked: authenticated submission (the Envelope names a login), mail from loopback or
//   private addresses (unless check_private_clients, for tests), and a client address that does
//   not parse. A DNS failure is "not listed"; a greylist store failure lets the mail pass (a broken
//   delay must not stop mail).
//
// Per domain and per alias, as the content protections (filters/settings.h): dnsbl, greylist and
// rspamd, each on (the default) or off.
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/runtime.h"
#include "delivery/auth/dns_records.h"
#include "delivery/screening/greylist.h"
#include "delivery/screening/screening_config.h"
#include "directory/directory.h"
#include "smtp/server/delivery.h"

namespace sealmail::delivery::screening {

struct ScreenSwitches {
  bool dnsbl = true;
  bool greylist = true;
  bool rspamd = true;
};

// The defaults overlaid with the domain's settings, then the alias's (unknown values ignored).
ScreenSwitches screen_switches(const directory::Directory::ProtectionSettings& domain,
                               const directory::Directory::ProtectionSettings& alias);

struct ScreenDecision {
  std::optional<smtp::Reply> refuse;
  std::string fields;                    // "dnsbl=...; rspamd=..." for X-Sealmail-Scan, "" when nothing ran
  std::set<std::string> junk_mailboxes;  // mailbox ids whose copy goes to Junk
};

// `header` ("X-Sealmail-Scan: ...\r\n" or "") with `fields` added to its value.
std::string merge_scan_header(const std::string& header, const std::string& fields);

struct ScreenerParts {
  std::shared_ptr<directory::Directory> directory;
  std::shared_ptr<auth::DnsRecords> dns;  // the resolver and cache of mail authentication
  std::shared_ptr<Greylist> greylist;     // null: greylisting off
  std::string hostname;
};

class Screener {
 public:
  Screener(net::Runtime& runtime, ScreenerParts parts, ScreeningConfig config);

  bool active() const { return config_.any(); }
  boost::asio::awaitable<std::optional<smtp::Reply>> check_recipient(const smtp::Envelope& envelope,
                                                                     const directory::Alias& alias);
  boost::asio::awaitable<ScreenDecision> judge(const smtp::Envelope& envelope,
                                               const std::vector<directory::Alias>& aliases,
                                               std::shared_ptr<const std::string> message);

 private:
  bool exempt(const smtp::Envelope& envelope, bool check_private) const;
  // The zones (of `action`) that list `client_ip`.
  boost::asio::awaitable<std::vector<std::string>> listed_in(std::string client_ip, DnsblAction action);
  int64_t now() const;

  net::Runtime& runtime_;
  ScreenerParts parts_;
  ScreeningConfig config_;
};

}  // namespace sealmail::delivery::screening

#include "delivery/screening/screener.h"

#include <boost/asio/experimental/parallel_group.hpp>
#include <fstream>

#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "delivery/address_policy.h"
#include "delivery/auth/dns_answer.h"
#include "delivery/screening/rspamd_client.h"

namespace sealmail::delivery::screening {

namespace {

const char* const kScreened = "sealmail_screening_refusals_total";
const char* const kScreenedHelp = "RCPT answers of the screening, by kind (dnsbl: 554, greylisted: 451).";

void overlay(ScreenSwitches& s, const directory::Directory::ProtectionSettings& settings) {
  for (const auto& [name, value] : settings) {
    if (value != "on" && value != "off") continue;
    bool on = value == "on";
    if (name == "dnsbl") s.dnsbl = on;
    if (name == "greylist") s.greylist = on;
    if (name == "rspamd") s.rspamd = on;
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

}  // namespace

ScreenSwitches screen_switches(const directory::Directory::ProtectionSettings& domain,
                               const directory::Directory::ProtectionSettings& alias) {
  ScreenSwitches s;
  overlay(s, domain);
  overlay(s, alias);
  return s;
}

std::string merge_scan_header(const std::string& header, const std::string& fields) {
  if (fields.empty()) return header;
  if (header.size() < 2 || header.compare(header.size() - 2, 2, "\r\n") != 0)
    return "X-Sealmail-Scan: " + fields + "\r\n";
  return header.substr(0, header.size() - 2) + "; " + fields + "\r\n";
}

Screener::Screener(net::Runtime& runtime, ScreenerParts parts, ScreeningConfig config)
    : runtime_(runtime), parts_(std::move(parts)), config_(std::move(config)) {}

bool Screener::exempt(const smtp::Envelope& envelope, bool check_private) const {
  // Submission's logins are ours; they are checked by their password, not by their address.
  if (!envelope.authenticated.empty()) return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(envelope.client_ip, ec);
  if (ec) return true;  // the queue's own deliveries (DSNs) have no client
  return !check_private && !is_public_address(address);
}

int64_t Screener::now() const {
  if (!config_.greylist.clock_file.empty()) {
    std::ifstream in(config_.greylist.clock_file);
    long long t = 0;
    if (in >> t) return t;
  }
  return unix_now();
}

boost::asio::awaitable<std::vector<std::string>> Screener::listed_in(std::string client_ip, DnsblAction action) {
  namespace asio = boost::asio;
  std::vector<std::string> zones;
  if (!parts_.dns) co_return zones;
  // Every zone at once (as postscreen asks its dnsbl_sites), each through the cache of DnsRecords,
  // which keeps an answer for its TTL: a slow zone delays the answer by its own time only.
  auto executor = co_await asio::this_coro::executor;
  using Lookup = decltype(asio::co_spawn(executor, std::declval<asio::awaitable<auth::DnsLookup>>(), asio::deferred));
  std::vector<Lookup> lookups;
  std::vector<const DnsblZone*> asked;
  for (const auto& zone : config_.dnsbl.zones) {
    if (zone.action != action) continue;
    auto name = dnsbl_query_name(client_ip, zone.name);
    if (!name) continue;
    // RFC 5782 §2.1: an A record says "listed".
    lookups.push_back(asio::co_spawn(executor, parts_.dns->lookup(*name, auth::kDnsA), asio::deferred));
    asked.push_back(&zone);
  }
  if (lookups.empty()) co_return zones;
  auto group = asio::experimental::make_parallel_group(std::move(lookups));
  auto waiting = group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  auto done = co_await std::move(waiting);
  const auto& failures = std::get<1>(done);
  const auto& answers = std::get<2>(done);
  for (size_t i = 0; i < asked.size(); ++i) {
    if (failures[i]) continue;  // a lookup that threw: not listed, as a DNS failure is
    if (answers[i].status == auth::DnsLookup::Status::found && listed_by(*asked[i], answers[i].values))
      zones.push_back(asked[i]->name);
  }
  co_return zones;
}

boost::asio::awaitable<std::optional<smtp::Reply>> Screener::check_recipient(const smtp::Envelope& envelope,
                                                                             const directory::Alias& alias) {
  bool dnsbl = !config_.dnsbl.zones.empty() && !exempt(envelope, config_.dnsbl.check_private_clients);
  bool grey = config_.greylist.enabled && parts_.greylist && !exempt(envelope, config_.greylist.check_private_clients);
  if (!dnsbl && !grey) co_return std::nullopt;
  auto reading = runtime_.blocking([this, alias]() -> std::optional<ScreenSwitches> {
    auto domain = parts_.directory->domain_protections(alias.domain_id);
    auto own = parts_.directory->alias_protections(alias.id);
    if (!domain || !own) return std::nullopt;
    return screen_switches(*domain, *own);
  });
  auto switches = co_await std::move(reading);
  if (!switches) co_return smtp::Reply{451, "4.3.0", "Temporary lookup failure"};
  if (dnsbl && switches->dnsbl) {
    auto looking = listed_in(envelope.client_ip, DnsblAction::refuse);
    auto zones = co_await std::move(looking);
    if (!zones.empty()) {
      metrics::global().counter(kScreened, kScreenedHelp, "result=\"dnsbl\"").add();
      std::string text = "Service unavailable; Client host [" + envelope.client_ip + "] blocked using " + zones[0];
      // Postfix adds the zone's TXT record: it tells the sender where to ask for removal.
      auto name = dnsbl_query_name(envelope.client_ip, zones[0]);
      auto asking = parts_.dns->lookup(*name, auth::kDnsTxt);
      auth::DnsLookup txt = co_await std::move(asking);
      if (txt.status == auth::DnsLookup::Status::found) {
        auto reason = dnsbl_reason(txt.values);
        if (!reason.empty()) text += "; " + reason;
      }
      co_return smtp::Reply{554, "5.7.1", std::move(text)};
    }
  }
  if (grey && switches->greylist) {
    GreylistTimes times{config_.greylist.delay_seconds, int64_t(config_.greylist.retry_window_days) * 86400,
                        int64_t(config_.greylist.max_age_days) * 86400};
    int64_t at = now();
    auto checking = runtime_.blocking([this, &envelope, &alias, at, times] {
      return parts_.greylist->check(envelope.client_ip, envelope.mail_from, alias.address, at, times);
    });
    auto answer = co_await std::move(checking);
    if (!answer) {
      log::warn("greylist: check failed, passing", {{"error", answer.error().message}});
    } else if (answer->verdict == GreylistVerdict::wait) {
      metrics::global().counter(kScreened, kScreenedHelp, "result=\"greylisted\"").add();
      co_return smtp::Reply{
          451, "4.7.1",
          "Greylisted, try again in " + std::to_string(std::max<int64_t>(answer->retry_in, 1)) + " seconds"};
    }
  }
  co_return std::nullopt;
}

boost::asio::awaitable<ScreenDecision> Screener::judge(const smtp::Envelope& envelope,
                                                       const std::vector<directory::Alias>& aliases,
                                                       std::shared_ptr<const std::string> message) {
  ScreenDecision d;
  bool dnsbl = std::any_of(config_.dnsbl.zones.begin(), config_.dnsbl.zones.end(),
                           [](const DnsblZone& z) { return z.action == DnsblAction::junk; }) &&
               !exempt(envelope, config_.dnsbl.check_private_clients);
  // rspamd sees every message from a client, private ones included: it has its own settings for
  // those (and tests connect from loopback). Logins and our own reports (no client) are left out.
  boost::system::error_code ec;
  boost::asio::ip::make_address(envelope.client_ip, ec);
  bool rspamd = !config_.rspamd.url.empty() && envelope.authenticated.empty() && !ec;
  if ((!dnsbl && !rspamd) || aliases.empty()) co_return d;
  auto reading = runtime_.blocking([this, &aliases]() -> std::optional<std::vector<ScreenSwitches>> {
    std::vector<ScreenSwitches> out;
    for (const auto& alias : aliases) {
      auto domain = parts_.directory->domain_protections(alias.domain_id);
      auto own = parts_.directory->alias_protections(alias.id);
      if (!domain || !own) return std::nullopt;
      out.push_back(screen_switches(*domain, *own));
    }
    return out;
  });
  auto switches = co_await std::move(reading);
  if (!switches) {
    d.refuse = smtp::Reply{451, "4.3.0", "Temporary lookup failure"};
    co_return d;
  }
  auto wants = [&](bool ScreenSwitches::*which) {
    return std::any_of(switches->begin(), switches->end(), [which](const ScreenSwitches& s) { return s.*which; });
  };
  auto junk_for = [&](bool ScreenSwitches::*which) {
    for (size_t i = 0; i < aliases.size(); ++i)
      if ((*switches)[i].*which && aliases[i].has_mailbox) d.junk_mailboxes.insert(aliases[i].mailbox_id);
  };
  std::vector<std::string> fields;
  if (dnsbl && wants(&ScreenSwitches::dnsbl)) {
    auto looking = listed_in(envelope.client_ip, DnsblAction::junk);
    auto zones = co_await std::move(looking);
    if (zones.empty()) {
      fields.push_back("dnsbl=none");
    } else {
      fields.push_back("dnsbl=" + join(zones));
      junk_for(&ScreenSwitches::dnsbl);
    }
  }
  if (rspamd && wants(&ScreenSwitches::rspamd)) {
    RspamdRequest request{envelope.client_ip, envelope.helo, envelope.mail_from, parts_.hostname, "",
                          envelope.recipients};
    auto url = config_.rspamd.url;
    auto timeout = config_.rspamd.timeout_ms;
    auto asking =
        runtime_.blocking([url, timeout, request, message] { return rspamd_check(url, timeout, request, *message); });
    auto verdict = co_await std::move(asking);
    if (!verdict) {
      log::warn("rspamd: unavailable", {{"error", verdict.error().message}});
      if (config_.rspamd.defer_when_unavailable) {
        d.refuse = smtp::Reply{451, "4.7.1", "Spam scanner unavailable, try again later"};
        co_return d;
      }
      fields.push_back("rspamd=unavailable");
    } else {
      switch (verdict->action) {
        case RspamdAction::refuse:
          d.refuse = smtp::Reply{554, "5.7.1", "Message refused as spam"};
          co_return d;
        case RspamdAction::defer:
          d.refuse = smtp::Reply{451, "4.7.1", "Message deferred by the spam scanner, try again later"};
          co_return d;
        case RspamdAction::junk:
          junk_for(&ScreenSwitches::rspamd);
          break;
        case RspamdAction::deliver:
          break;
      }
      fields.push_back("rspamd=" + describe(*verdict));
    }
  }
  for (size_t i = 0; i < fields.size(); ++i) d.fields += (i ? "; " : "") + fields[i];
  co_return d;
}

}  // namespace sealmail::delivery::screening

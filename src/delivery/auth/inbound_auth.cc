#include "delivery/auth/inbound_auth.h"

#include "core/ascii.h"
#include "core/log.h"
#include "core/time.h"
#include "delivery/auth/dkim_verify.h"
#include "delivery/auth/spf.h"
#include "smtp/outbound/dkim_canon.h"

namespace sealmail::delivery::auth {

namespace asio = boost::asio;

namespace {

// The From field's value, when there is exactly one From field (RFC 7489 §6.6.1).
std::optional<std::string> single_from(std::string_view message) {
  auto split = smtp::outbound::split_message(message);
  if (!split) return std::nullopt;
  std::optional<std::string> value;
  for (const auto& f : split->headers) {
    if (lower(f.name) != "from") continue;
    if (value) return std::nullopt;
    auto colon = f.raw.find(':');
    value = std::string(f.raw.substr(colon + 1));
  }
  return value;
}

}  // namespace

Authenticator::Authenticator(std::string hostname, DnsRecordsOptions dns)
    : hostname_(lower(hostname)), dns_(std::move(dns)) {}

asio::awaitable<AuthVerdict> Authenticator::check(const smtp::Envelope& envelope,
                                                  std::shared_ptr<const std::string> message, AuthSwitches sw) {
  AuthVerdict v;
  size_t removed = 0;
  auto wire = std::make_shared<std::string>(smtp::outbound::normalize_line_endings(*message));
  auto stripped = strip_authentication_results(*wire, hostname_, removed);
  v.message = removed ? std::make_shared<const std::string>(std::move(stripped)) : message;
  v.results.authserv_id = hostname_;
  if (!sw.spf && !sw.dkim && !sw.arc) co_return v;

  DmarcInputs dmarc_in;
  if (sw.spf) {
    auto checking = check_spf(dns_, envelope.client_ip, envelope.mail_from, envelope.helo, hostname_);
    SpfCheck spf = co_await std::move(checking);
    AuthResult r{"spf", to_string(spf.result), {}, {}};
    // RFC 8601 §2.7.2: the domain only (the local part names a person).
    if (!spf.domain.empty()) r.properties.emplace_back(spf.used_helo ? "smtp.helo" : "smtp.mailfrom", spf.domain);
    v.results.results.push_back(std::move(r));
    if (spf.result == SpfResult::pass) dmarc_in.spf_pass_domain = spf.domain;
  }
  if (sw.dkim) {
    auto verifying = verify_dkim(dns_, *wire, unix_now());
    auto verdicts = co_await std::move(verifying);
    if (verdicts.empty()) v.results.results.push_back(AuthResult{"dkim", "none", {}, {}});
    for (auto& d : verdicts) {
      AuthResult r{"dkim", to_string(d.result), d.reason, {}};
      if (!d.domain.empty()) r.properties.emplace_back("header.d", d.domain);
      if (!d.selector.empty()) r.properties.emplace_back("header.s", d.selector);
      if (!d.algorithm.empty() && d.algorithm.find_first_of(" ;()\"") == std::string::npos)
        r.properties.emplace_back("header.a", d.algorithm);
      if (!d.b_prefix.empty() && d.b_prefix.find_first_of(" ;()\"") == std::string::npos)
        r.properties.emplace_back("header.b", d.b_prefix);
      v.results.results.push_back(std::move(r));
      if (d.result == DkimResult::pass) dmarc_in.dkim_pass_domains.push_back(d.domain);
    }
  }
  if (sw.arc) {
    auto verifying = verify_arc(dns_, *wire);
    v.arc = co_await std::move(verifying);
    AuthResult r{"arc", to_string(v.arc.result), v.arc.reason, {}};
    if (v.arc.instances > 0) r.properties.emplace_back("arc.chain", std::to_string(v.arc.instances));
    v.results.results.push_back(std::move(r));
  }
  if (sw.dmarc && (sw.spf || sw.dkim)) {
    auto from = single_from(*wire);
    auto domain = from ? from_domain(*from) : std::nullopt;
    if (!domain) {
      v.results.results.push_back(AuthResult{"dmarc", "permerror", "no single From domain", {}});
    } else {
      dmarc_in.from_domain = *domain;
      auto checking = check_dmarc(dns_, dmarc_in);
      DmarcCheck d = co_await std::move(checking);
      AuthResult r{"dmarc", to_string(d.result), {}, {}};
      if (d.result == DmarcResult::pass || d.result == DmarcResult::fail)
        r.comment = std::string("p=") + to_string(d.policy);
      r.properties.emplace_back("header.from", *domain);
      v.results.results.push_back(std::move(r));
      if (sw.enforce) v.action = d.action;
    }
  }
  v.header = format_authentication_results(v.results);
  co_return v;
}

}  // namespace sealmail::delivery::auth

#include "delivery/auth/spf.h"

#include <arpa/inet.h>

#include <cstring>

#include "core/ascii.h"
#include "delivery/auth/dns_answer.h"

namespace sealmail::delivery::auth {

namespace asio = boost::asio;

namespace {

struct Address {
  bool v6 = false;
  unsigned char bytes[16] = {};
};

std::optional<Address> parse_address(const std::string& text) {
  Address a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes) == 1) return a;
  if (inet_pton(AF_INET6, text.c_str(), a.bytes) == 1) {
    a.v6 = true;
    // An IPv4-mapped IPv6 address is checked as IPv4 (§5 "ip4").
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes, mapped, 12) == 0) {
      Address v4;
      std::memcpy(v4.bytes, a.bytes + 12, 4);
      return v4;
    }
    return a;
  }
  return std::nullopt;
}

bool in_network(const Address& ip, const Address& net, int prefix) {
  if (ip.v6 != net.v6) return false;
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(ip.bytes, net.bytes, full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (ip.bytes[full] & mask) == (net.bytes[full] & mask);
}

struct Evaluation {
  DnsRecords& dns;
  Address ip;
  SpfMacroContext base;
  int lookups = 0;
  int voids = 0;
  int depth = 0;
};

// §4.6.4: counting lookups; false when over the limit.
bool count_lookup(Evaluation& ev) { return ++ev.lookups <= 10; }

asio::awaitable<SpfResult> check_host(Evaluation& ev, std::string domain);

// Does any address of `name` (A or AAAA, as the client's family) fall in the CIDR?
// Returns nullopt on temperror/permerror with `error` set.
asio::awaitable<std::optional<bool>> match_host(Evaluation& ev, std::string name, int cidr4, int cidr6,
                                                SpfResult& error) {
  auto looking = ev.dns.lookup(name, ev.ip.v6 ? kDnsAaaa : kDnsA);
  DnsLookup found = co_await std::move(looking);
  if (found.status == DnsLookup::Status::error) {
    error = SpfResult::temperror;
    co_return std::nullopt;
  }
  if (found.status == DnsLookup::Status::none) co_return false;
  for (const auto& text : found.values) {
    auto net = parse_address(text);
    if (net && in_network(ev.ip, *net, ev.ip.v6 ? cidr6 : cidr4)) co_return true;
  }
  co_return false;
}

SpfResult qualified(char q) {
  switch (q) {
    case '-':
      return SpfResult::fail;
    case '~':
      return SpfResult::softfail;
    case '?':
      return SpfResult::neutral;
    default:
      return SpfResult::pass;
  }
}

asio::awaitable<SpfResult> check_host(Evaluation& ev, std::string domain) {
  if (++ev.depth > 12) co_return SpfResult::permerror;
  // §4.3: a domain that is not a valid multi-label name gives "none".
  if (domain.empty() || domain.find('.') == std::string::npos || domain.size() > 253) co_return SpfResult::none;
  auto fetching = ev.dns.lookup(domain, kDnsTxt);
  DnsLookup txt = co_await std::move(fetching);
  if (txt.status == DnsLookup::Status::error) co_return SpfResult::temperror;
  const std::string* text = nullptr;
  for (const auto& v : txt.values) {
    if (!is_spf_record(v)) continue;
    if (text != nullptr) co_return SpfResult::permerror;  // §4.5: more than one record
    text = &v;
  }
  if (text == nullptr) co_return SpfResult::none;
  auto record = parse_spf_record(*text);
  if (!record) co_return SpfResult::permerror;

  SpfMacroContext ctx = ev.base;
  ctx.domain = domain;
  auto target_of = [&](const SpfTerm& t) -> std::optional<std::string> {
    if (t.domain_spec.empty()) return domain;
    return expand_spf_macros(t.domain_spec, ctx);
  };

  for (const auto& term : record->terms) {
    bool matched = false;
    switch (term.kind) {
      case SpfTerm::Kind::all:
        matched = true;
        break;
      case SpfTerm::Kind::ip4:
      case SpfTerm::Kind::ip6: {
        auto net = parse_address(term.domain_spec);
        matched = net && in_network(ev.ip, *net, term.kind == SpfTerm::Kind::ip4 ? term.cidr4 : term.cidr6);
        break;
      }
      case SpfTerm::Kind::a: {
        if (!count_lookup(ev)) co_return SpfResult::permerror;
        auto target = target_of(term);
        if (!target) co_return SpfResult::permerror;
        SpfResult error = SpfResult::none;
        auto matching = match_host(ev, *target, term.cidr4, term.cidr6, error);
        auto m = co_await std::move(matching);
        if (!m) co_return error;
        matched = *m;
        break;
      }
      case SpfTerm::Kind::mx: {
        if (!count_lookup(ev)) co_return SpfResult::permerror;
        auto target = target_of(term);
        if (!target) co_return SpfResult::permerror;
        auto asking = ev.dns.lookup(*target, kDnsMx);
        DnsLookup mx = co_await std::move(asking);
        if (mx.status == DnsLookup::Status::error) co_return SpfResult::temperror;
        if (mx.status == DnsLookup::Status::none && ++ev.voids > 2) co_return SpfResult::permerror;
        if (mx.values.size() > 10) co_return SpfResult::permerror;
        for (const auto& host : mx.values) {
          SpfResult error = SpfResult::none;
          auto matching = match_host(ev, host, term.cidr4, term.cidr6, error);
          auto m = co_await std::move(matching);
          if (!m) co_return error;
          if (*m) {
            matched = true;
            break;
          }
        }
        break;
      }
      case SpfTerm::Kind::ptr:
        if (!count_lookup(ev)) co_return SpfResult::permerror;
        break;  // see spf.h: never matches
      case SpfTerm::Kind::exists: {
        if (!count_lookup(ev)) co_return SpfResult::permerror;
        auto target = expand_spf_macros(term.domain_spec, ctx);
        if (!target) co_return SpfResult::permerror;
        auto asking = ev.dns.lookup(*target, kDnsA);  // §5.7: always an A query
        DnsLookup a = co_await std::move(asking);
        if (a.status == DnsLookup::Status::error) co_return SpfResult::temperror;
        if (a.status == DnsLookup::Status::none && ++ev.voids > 2) co_return SpfResult::permerror;
        matched = a.status == DnsLookup::Status::found;
        break;
      }
      case SpfTerm::Kind::include: {
        if (!count_lookup(ev)) co_return SpfResult::permerror;
        auto target = expand_spf_macros(term.domain_spec, ctx);
        if (!target) co_return SpfResult::permerror;
        auto including = check_host(ev, *target);
        SpfResult inner = co_await std::move(including);
        // §5.2's table.
        if (inner == SpfResult::temperror) co_return SpfResult::temperror;
        if (inner == SpfResult::permerror || inner == SpfResult::none) co_return SpfResult::permerror;
        matched = inner == SpfResult::pass;
        break;
      }
    }
    if (matched) co_return qualified(term.qualifier);
  }
  if (record->redirect) {
    if (!count_lookup(ev)) co_return SpfResult::permerror;
    auto target = expand_spf_macros(*record->redirect, ctx);
    if (!target) co_return SpfResult::permerror;
    auto redirecting = check_host(ev, *target);
    SpfResult r = co_await std::move(redirecting);
    // §6.1: no record at the target is a permerror.
    co_return r == SpfResult::none ? SpfResult::permerror : r;
  }
  co_return SpfResult::neutral;
}

}  // namespace

asio::awaitable<SpfCheck> check_spf(DnsRecords& dns, std::string client_ip, std::string mail_from, std::string helo,
                                    std::string receiver) {
  SpfCheck out;
  auto ip = parse_address(client_ip);
  if (!ip) co_return out;
  Evaluation ev{dns, *ip, {}};
  ev.base.ip = client_ip;
  ev.base.ipv6 = ip->v6;
  ev.base.helo = helo;
  ev.base.receiver = receiver;
  auto at = mail_from.rfind('@');
  if (mail_from.empty() || at == std::string::npos) {
    // §2.4: for the null reverse-path, the HELO identity with local part "postmaster".
    out.used_helo = true;
    out.domain = lower(helo);
    ev.base.sender = "postmaster@" + out.domain;
  } else {
    out.domain = lower(mail_from.substr(at + 1));
    ev.base.sender = mail_from;
  }
  auto checking = check_host(ev, out.domain);
  out.result = co_await std::move(checking);
  co_return out;
}

}  // namespace sealmail::delivery::auth

#include "delivery/auth/dmarc.h"

#include <libpsl.h>

#include <random>

#include "core/ascii.h"
#include "delivery/auth/dns_answer.h"
#include "delivery/auth/tag_list.h"

namespace sealmail::delivery::auth {

namespace asio = boost::asio;

namespace {

std::optional<DmarcPolicy> policy_of(std::string_view v) {
  std::string l = lower(v);
  if (l == "none") return DmarcPolicy::none;
  if (l == "quarantine") return DmarcPolicy::quarantine;
  if (l == "reject") return DmarcPolicy::reject;
  return std::nullopt;
}

const psl_ctx_t* psl() {
  // The list Debian's publicsuffix package keeps current, else the one built into libpsl.
  static const psl_ctx_t* ctx = [] {
    const psl_ctx_t* latest = psl_latest(nullptr);
    return latest != nullptr ? latest : psl_builtin();
  }();
  return ctx;
}

bool aligned(const std::string& a, const std::string& from, bool strict) {
  if (a.empty()) return false;
  if (strict) return a == from;
  return organizational_domain(a) == organizational_domain(from);
}

DmarcPolicy milder(DmarcPolicy p) { return p == DmarcPolicy::reject ? DmarcPolicy::quarantine : DmarcPolicy::none; }

}  // namespace

const char* to_string(DmarcResult r) {
  switch (r) {
    case DmarcResult::none:
      return "none";
    case DmarcResult::pass:
      return "pass";
    case DmarcResult::fail:
      return "fail";
    case DmarcResult::temperror:
      return "temperror";
    case DmarcResult::permerror:
      return "permerror";
  }
  return "none";
}

const char* to_string(DmarcPolicy p) {
  switch (p) {
    case DmarcPolicy::none:
      return "none";
    case DmarcPolicy::quarantine:
      return "quarantine";
    case DmarcPolicy::reject:
      return "reject";
  }
  return "none";
}

std::optional<DmarcRecord> parse_dmarc_record(std::string_view txt) {
  auto tags = parse_tag_list(txt);
  // §6.4: v=DMARC1 must come first.
  if (!tags || tags->tags.empty() || tags->tags.front().name != "v" || tags->tags.front().value != "DMARC1")
    return std::nullopt;
  DmarcRecord r;
  auto p = tags->find("p");
  if (p == nullptr) return std::nullopt;
  auto pol = policy_of(p->value);
  if (!pol) return std::nullopt;
  r.p = *pol;
  if (auto sp = tags->find("sp")) r.sp = policy_of(sp->value);
  if (auto pct = tags->find("pct")) {
    std::string v(pct->value);
    if (!v.empty() && v.size() <= 3 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
      r.pct = std::min(100, std::stoi(v));
  }
  if (auto a = tags->find("adkim")) r.strict_dkim = lower(a->value) == "s";
  if (auto a = tags->find("aspf")) r.strict_spf = lower(a->value) == "s";
  return r;
}

std::string organizational_domain(const std::string& domain) {
  const char* reg = psl_registrable_domain(psl(), domain.c_str());
  return reg != nullptr ? std::string(reg) : domain;
}

std::optional<std::string> from_domain(std::string_view value) {
  // The address is inside <...> when there is a display name; else the whole (trimmed) value.
  // Quoted strings and comments may hold '@' or ','; a From like that is rare enough to fail on.
  std::string_view addr = value;
  auto lt = value.rfind('<');
  if (lt != std::string_view::npos) {
    auto gt = value.find('>', lt);
    if (gt == std::string_view::npos) return std::nullopt;
    if (value.substr(gt + 1).find('@') != std::string_view::npos) return std::nullopt;  // a second address
    addr = value.substr(lt + 1, gt - lt - 1);
  } else if (value.find(',') != std::string_view::npos) {
    return std::nullopt;
  }
  auto at = addr.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  std::string domain = lower(addr.substr(at + 1));
  while (!domain.empty() && (domain.back() == ' ' || domain.back() == '\t' || domain.back() == '\r' ||
                             domain.back() == '\n' || domain.back() == '.'))
    domain.pop_back();
  if (domain.empty() || domain.find_first_of(" \t\"()<>,;:\\[]") != std::string::npos) return std::nullopt;
  return domain;
}

asio::awaitable<DmarcCheck> check_dmarc(DnsRecords& dns, DmarcInputs in) {
  DmarcCheck out;
  std::string org = organizational_domain(in.from_domain);
  std::optional<DmarcRecord> record;
  bool at_org = false;
  for (int step = 0; step < 2 && !record; ++step) {
    const std::string& domain = step == 0 ? in.from_domain : org;
    if (step == 1 && org == in.from_domain) break;
    auto looking = dns.lookup("_dmarc." + domain, kDnsTxt);
    DnsLookup txt = co_await std::move(looking);
    if (txt.status == DnsLookup::Status::error) {
      out.result = DmarcResult::temperror;
      co_return out;
    }
    int count = 0;
    for (const auto& v : txt.values) {
      auto parsed = parse_dmarc_record(v);
      if (!parsed) continue;
      if (++count > 1) break;
      record = parsed;
    }
    if (count > 1) record.reset();  // §6.6.3: more than one record means none
    at_org = step == 1;
  }
  if (!record) co_return out;

  bool pass = aligned(in.spf_pass_domain, in.from_domain, record->strict_spf);
  for (const auto& d : in.dkim_pass_domains) pass = pass || aligned(d, in.from_domain, record->strict_dkim);
  out.policy = at_org && record->sp ? *record->sp : record->p;
  if (pass) {
    out.result = DmarcResult::pass;
    co_return out;
  }
  out.result = DmarcResult::fail;
  out.action = out.policy;
  if (record->pct < 100) {
    thread_local std::mt19937 random{std::random_device{}()};
    if (static_cast<int>(random() % 100) >= record->pct) out.action = milder(out.action);
  }
  co_return out;
}

}  // namespace sealmail::delivery::auth

#include "delivery/auth/dkim_verify.h"

#include <algorithm>

#include "core/ascii.h"

namespace sealmail::delivery::auth {

namespace asio = boost::asio;
using smtp::outbound::SplitMessage;

namespace {

std::vector<std::string> split_colons(std::string_view list) {
  std::vector<std::string> out;
  std::string compact = strip_whitespace(list);
  size_t pos = 0;
  while (pos <= compact.size()) {
    size_t colon = compact.find(':', pos);
    if (colon == std::string::npos) colon = compact.size();
    out.push_back(lower(compact.substr(pos, colon - pos)));
    pos = colon + 1;
  }
  return out;
}

bool is_subdomain_or_same(std::string_view child, std::string_view parent) {
  std::string c = lower(child), p = lower(parent);
  return c == p ||
         (c.size() > p.size() && c.compare(c.size() - p.size(), p.size(), p) == 0 && c[c.size() - p.size() - 1] == '.');
}

struct Parsed {
  DkimVerdict verdict;
  DkimAlgorithm algorithm = DkimAlgorithm::rsa_sha256;
  bool relaxed_header = false, relaxed_body = false;
  std::optional<uint64_t> length;
  std::string b, bh, h;
  std::string identity_domain;
};

// Returns false with the verdict set to permerror when the field is unusable.
bool parse_signature(std::string_view raw, int64_t now, Parsed& p) {
  p.verdict.result = DkimResult::permerror;
  auto tags = field_tags(raw);
  if (!tags) {
    p.verdict.reason = "signature syntax";
    return false;
  }
  auto get = [&](const char* n) -> std::optional<std::string_view> {
    if (auto t = tags->find(n)) return t->value;
    return std::nullopt;
  };
  auto v = get("v"), a = get("a"), b = get("b"), bh = get("bh"), d = get("d"), h = get("h"), s = get("s");
  if (d) p.verdict.domain = lower(*d);
  if (s) p.verdict.selector = std::string(*s);
  if (a) p.verdict.algorithm = std::string(*a);
  if (b) p.verdict.b_prefix = strip_whitespace(*b).substr(0, 8);
  if (!v || !a || !b || !bh || !d || !h || !s) {
    p.verdict.reason = "missing tag";
    return false;
  }
  if (*v != "1") {
    p.verdict.reason = "version";
    return false;
  }
  auto alg = parse_dkim_algorithm(*a);
  if (!alg) {
    p.verdict.reason = "unsupported algorithm";
    return false;
  }
  p.algorithm = *alg;
  std::string c = strip_whitespace(get("c").value_or("simple/simple"));
  auto slash = c.find('/');
  std::string ch = c.substr(0, slash), cb = slash == std::string::npos ? "simple" : c.substr(slash + 1);
  if ((ch != "simple" && ch != "relaxed") || (cb != "simple" && cb != "relaxed")) {
    p.verdict.reason = "canonicalization";
    return false;
  }
  p.relaxed_header = ch == "relaxed";
  p.relaxed_body = cb == "relaxed";
  auto names = split_colons(*h);
  if (std::find(names.begin(), names.end(), "from") == names.end()) {
    p.verdict.reason = "From not signed";
    return false;
  }
  if (auto i = get("i")) {
    auto at = i->rfind('@');
    if (at == std::string_view::npos || !is_subdomain_or_same(i->substr(at + 1), *d)) {
      p.verdict.reason = "i= outside d=";
      return false;
    }
    p.identity_domain = lower(i->substr(at + 1));
  }
  if (auto l = get("l")) {
    if (l->empty() || l->size() > 19 ||
        !std::all_of(l->begin(), l->end(), [](char x) { return x >= '0' && x <= '9'; })) {
      p.verdict.reason = "l= syntax";
      return false;
    }
    p.length = std::stoull(std::string(*l));
  }
  if (auto x = get("x")) {
    if (!x->empty() && x->size() < 19 &&
        std::all_of(x->begin(), x->end(), [](char y) { return y >= '0' && y <= '9'; }) &&
        std::stoll(std::string(*x)) < now) {
      p.verdict.reason = "signature expired";
      return false;
    }
  }
  auto q = get("q");
  if (q && strip_whitespace(*q).find("dns/txt") == std::string::npos) {
    p.verdict.reason = "query method";
    return false;
  }
  p.b = std::string(*b);
  p.bh = std::string(*bh);
  p.h = std::string(*h);
  return true;
}

}  // namespace

const char* to_string(DkimResult r) {
  switch (r) {
    case DkimResult::none:
      return "none";
    case DkimResult::pass:
      return "pass";
    case DkimResult::fail:
      return "fail";
    case DkimResult::policy:
      return "policy";
    case DkimResult::neutral:
      return "neutral";
    case DkimResult::temperror:
      return "temperror";
    case DkimResult::permerror:
      return "permerror";
  }
  return "none";
}

std::optional<TagList> field_tags(std::string_view raw_field) {
  auto colon = raw_field.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return parse_tag_list(raw_field.substr(colon + 1));
}

std::string without_b_value(std::string_view raw_field, const TagList& tags) {
  auto colon = raw_field.find(':');
  const Tag* b = tags.find("b");
  if (b == nullptr || colon == std::string_view::npos) return std::string(raw_field);
  size_t base = colon + 1;
  return std::string(raw_field.substr(0, base + b->value_begin)) + std::string(raw_field.substr(base + b->value_end));
}

std::string canonical_header(std::string_view raw_field, bool relaxed) {
  return relaxed ? smtp::outbound::relaxed_header(raw_field) : std::string(raw_field);
}

std::string canonical_body(std::string_view body, bool relaxed) {
  if (relaxed) return smtp::outbound::relaxed_body(body);
  // §3.4.3: trailing empty lines removed; an empty body is one CRLF.
  std::string out(body);
  if (out.empty() || out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  while (out.size() >= 4 && out.compare(out.size() - 4, 4, "\r\n\r\n") == 0) out.resize(out.size() - 2);
  if (out == "\r\n" && body.empty()) return out;
  return out;
}

std::string hashed_headers(const SplitMessage& message, std::string_view h, bool relaxed) {
  std::string out;
  std::vector<bool> used(message.headers.size(), false);
  for (const auto& name : split_colons(h)) {
    for (size_t i = message.headers.size(); i-- > 0;) {
      if (used[i] || lower(message.headers[i].name) != name) continue;
      used[i] = true;
      out += canonical_header(message.headers[i].raw, relaxed);
      out += "\r\n";
      break;
    }
  }
  return out;
}

asio::awaitable<std::vector<DkimVerdict>> verify_dkim(DnsRecords& dns, std::string_view message, int64_t unix_now) {
  std::vector<DkimVerdict> out;
  auto split = smtp::outbound::split_message(message);
  if (!split) co_return out;
  for (const auto& field : split->headers) {
    if (lower(field.name) != "dkim-signature") continue;
    if (out.size() >= 8) break;
    Parsed p;
    if (!parse_signature(field.raw, unix_now, p)) {
      out.push_back(p.verdict);
      continue;
    }
    auto fetching = fetch_dkim_key(dns, p.verdict.selector, p.verdict.domain, p.algorithm);
    DkimKey key = co_await std::move(fetching);
    switch (key.status) {
      case DkimKey::Status::ok:
        break;
      case DkimKey::Status::temperror:
        p.verdict.result = DkimResult::temperror;
        break;
      case DkimKey::Status::revoked:
        p.verdict.result = DkimResult::fail;
        break;
      default:
        p.verdict.result = DkimResult::permerror;
        break;
    }
    if (key.status != DkimKey::Status::ok) {
      p.verdict.reason = key.reason;
      out.push_back(p.verdict);
      continue;
    }
    if (key.strict_identity && !p.identity_domain.empty() && p.identity_domain != p.verdict.domain) {
      p.verdict.reason = "i= must equal d= (t=s)";
      out.push_back(p.verdict);
      continue;
    }
    p.verdict.result = DkimResult::fail;
    std::string body = canonical_body(split->body, p.relaxed_body);
    if (p.length) {
      if (*p.length > body.size()) {
        p.verdict.reason = "l= beyond the body";
        out.push_back(p.verdict);
        continue;
      }
      body.resize(*p.length);
    }
    auto bh = decode_base64_fws(p.bh);
    if (!bh || *bh != sha256_bytes(body)) {
      p.verdict.reason = "body hash did not verify";
      out.push_back(p.verdict);
      continue;
    }
    auto tags = field_tags(field.raw);
    std::string data = hashed_headers(*split, p.h, p.relaxed_header);
    data += canonical_header(without_b_value(field.raw, *tags), p.relaxed_header);
    auto sig = decode_base64_fws(p.b);
    if (sig && verify_dkim_signature(key, p.algorithm, data, *sig)) {
      p.verdict.result = DkimResult::pass;
      p.verdict.reason.clear();
    } else {
      p.verdict.reason = "signature did not verify";
    }
    out.push_back(p.verdict);
  }
  co_return out;
}

}  // namespace sealmail::delivery::auth

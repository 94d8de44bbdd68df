#include "delivery/auth/spf_record.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "core/ascii.h"

namespace sealmail::delivery::auth {

namespace {

bool iequal(std::string_view a, std::string_view b) { return lower(a) == lower(b); }

std::optional<int> number(std::string_view s, int max) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n > max) return std::nullopt;
  // §5.6: no leading zeros is not required; values above the maximum are errors.
  return n;
}

// "domain-spec/cidr4//cidr6": splits the dual CIDR suffix off.
bool split_cidr(std::string_view arg, SpfTerm& term, bool allow6) {
  size_t dbl = arg.find("//");
  if (dbl != std::string_view::npos) {
    if (!allow6) return false;
    auto n = number(arg.substr(dbl + 2), 128);
    if (!n) return false;
    term.cidr6 = *n;
    arg = arg.substr(0, dbl);
  }
  size_t slash = arg.rfind('/');
  if (slash != std::string_view::npos) {
    auto n = number(arg.substr(slash + 1), 32);
    if (!n) return false;
    term.cidr4 = *n;
    arg = arg.substr(0, slash);
  }
  term.domain_spec = std::string(arg);
  return true;
}

bool valid_domain_spec(std::string_view s) {
  if (s.empty() || s.size() > 1000) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

}  // namespace

const char* to_string(SpfResult r) {
  switch (r) {
    case SpfResult::none:
      return "none";
    case SpfResult::neutral:
      return "neutral";
    case SpfResult::pass:
      return "pass";
    case SpfResult::fail:
      return "fail";
    case SpfResult::softfail:
      return "softfail";
    case SpfResult::temperror:
      return "temperror";
    case SpfResult::permerror:
      return "permerror";
  }
  return "none";
}

bool is_spf_record(std::string_view txt) {
  return txt.size() >= 6 && iequal(txt.substr(0, 6), "v=spf1") && (txt.size() == 6 || txt[6] == ' ');
}

std::optional<SpfRecord> parse_spf_record(std::string_view txt) {
  if (!is_spf_record(txt)) return std::nullopt;
  SpfRecord record;
  bool have_exp = false;
  size_t pos = 6;
  while (pos < txt.size()) {
    if (txt[pos] == ' ') {
      ++pos;
      continue;
    }
    size_t end = txt.find(' ', pos);
    if (end == std::string_view::npos) end = txt.size();
    std::string_view term = txt.substr(pos, end - pos);
    pos = end;
    if (record.terms.size() > 100) return std::nullopt;

    // A modifier is name=value where name is ALPHA *(ALPHA/DIGIT/-/_/.) (§4.6.1).
    size_t eq = term.find('=');
    size_t colon = term.find(':');
    size_t slash = term.find('/');
    if (eq != std::string_view::npos && (colon == std::string_view::npos || eq < colon) &&
        (slash == std::string_view::npos || eq < slash)) {
      std::string name = lower(term.substr(0, eq));
      if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return std::nullopt;
      for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return std::nullopt;
      std::string_view value = term.substr(eq + 1);
      if (name == "redirect") {
        if (record.redirect || !valid_domain_spec(value)) return std::nullopt;
        record.redirect = std::string(value);
      } else if (name == "exp") {
        if (have_exp || !valid_domain_spec(value)) return std::nullopt;
        have_exp = true;  // explanations are not shown to anyone here
      }
      continue;
    }

    SpfTerm t;
    if (term[0] == '+' || term[0] == '-' || term[0] == '~' || term[0] == '?') {
      t.qualifier = term[0];
      term.remove_prefix(1);
    }
    size_t name_end = std::min(term.find(':'), term.find('/'));
    std::string name = lower(term.substr(0, name_end));
    std::string_view rest = name_end == std::string_view::npos ? std::string_view() : term.substr(name_end);
    bool has_arg = !rest.empty() && rest[0] == ':';
    std::string_view arg = has_arg ? rest.substr(1) : std::string_view();
    if (name == "all") {
      if (!rest.empty()) return std::nullopt;
      t.kind = SpfTerm::Kind::all;
    } else if (name == "include" || name == "exists") {
      if (!has_arg || !valid_domain_spec(arg)) return std::nullopt;
      t.kind = name == "include" ? SpfTerm::Kind::include : SpfTerm::Kind::exists;
      t.domain_spec = std::string(arg);
    } else if (name == "a" || name == "mx") {
      t.kind = name == "a" ? SpfTerm::Kind::a : SpfTerm::Kind::mx;
      // "a", "a:domain", "a/24", "a:domain/24//64", "a//64"
      std::string_view spec = has_arg ? arg : rest;
      if (!split_cidr(spec, t, true)) return std::nullopt;
      if (has_arg && !valid_domain_spec(t.domain_spec)) return std::nullopt;
      if (!has_arg && !t.domain_spec.empty()) return std::nullopt;
    } else if (name == "ptr") {
      if (!rest.empty() && !has_arg) return std::nullopt;
      if (has_arg && !valid_domain_spec(arg)) return std::nullopt;
      t.kind = SpfTerm::Kind::ptr;
      t.domain_spec = std::string(arg);
    } else if (name == "ip4" || name == "ip6") {
      if (!has_arg) return std::nullopt;
      t.kind = name == "ip4" ? SpfTerm::Kind::ip4 : SpfTerm::Kind::ip6;
      size_t s = arg.find('/');
      std::string addr(arg.substr(0, s));
      unsigned char buf[16];
      if (inet_pton(t.kind == SpfTerm::Kind::ip4 ? AF_INET : AF_INET6, addr.c_str(), buf) != 1) return std::nullopt;
      if (s != std::string_view::npos) {
        auto n = number(arg.substr(s + 1), t.kind == SpfTerm::Kind::ip4 ? 32 : 128);
        if (!n) return std::nullopt;
        (t.kind == SpfTerm::Kind::ip4 ? t.cidr4 : t.cidr6) = *n;
      }
      t.domain_spec = addr;
    } else {
      return std::nullopt;  // §4.6: an unknown mechanism is a permerror
    }
    record.terms.push_back(std::move(t));
  }
  return record;
}

std::optional<std::string> expand_spf_macros(std::string_view spec, const SpfMacroContext& ctx) {
  std::string out;
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (++i >= spec.size()) return std::nullopt;
    c = spec[i];
    if (c == '%') {
      out += '%';
      continue;
    }
    if (c == '_') {
      out += ' ';
      continue;
    }
    if (c == '-') {
      out += "%20";
      continue;
    }
    if (c != '{') return std::nullopt;
    size_t close = spec.find('}', i);
    if (close == std::string_view::npos || close == i + 1) return std::nullopt;
    std::string_view body = spec.substr(i + 1, close - i - 1);
    i = close;
    char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(body[0])));
    body.remove_prefix(1);
    std::string value;
    auto at = ctx.sender.rfind('@');
    switch (letter) {
      case 's':
        value = ctx.sender;
        break;
      case 'l':
        value = at == std::string::npos ? "postmaster" : ctx.sender.substr(0, at);
        break;
      case 'o':
        value = at == std::string::npos ? ctx.sender : ctx.sender.substr(at + 1);
        break;
      case 'd':
        value = ctx.domain;
        break;
      case 'h':
        value = ctx.helo;
        break;
      case 'r':
        value = ctx.receiver;
        break;
      case 'p':
        value = "unknown";
        break;  // §7.3: validated names are not looked up here
      case 'v':
        value = ctx.ipv6 ? "ip6" : "in-addr";
        break;
      case 'c':
      case 'i': {
        if (!ctx.ipv6 || letter == 'c') {
          value = ctx.ip;
          break;
        }
        // §7.3: IPv6 in "i" is dot-separated nibbles.
        unsigned char buf[16];
        if (inet_pton(AF_INET6, ctx.ip.c_str(), buf) != 1) return std::nullopt;
        static const char* hex = "0123456789abcdef";
        for (int b = 0; b < 16; ++b) {
          if (b) value += '.';
          value += hex[buf[b] >> 4];
          value += '.';
          value += hex[buf[b] & 15];
        }
        break;
      }
      case 't':
        value = "0";
        break;
      default:
        return std::nullopt;
    }
    // transformers: *DIGIT [ "r" ], then delimiters
    size_t d = 0;
    int keep = 0;
    while (d < body.size() && body[d] >= '0' && body[d] <= '9') {
      keep = keep * 10 + (body[d] - '0');
      if (keep > 128) return std::nullopt;
      ++d;
    }
    if (d > 0 && keep == 0) return std::nullopt;
    bool reverse = false;
    if (d < body.size() && (body[d] == 'r' || body[d] == 'R')) {
      reverse = true;
      ++d;
    }
    std::string delims(body.substr(d));
    for (char x : delims)
      if (std::string_view(".-+,/_=").find(x) == std::string_view::npos) return std::nullopt;
    if (delims.empty()) delims = ".";
    std::vector<std::string> parts;
    std::string cur;
    for (char x : value) {
      if (delims.find(x) != std::string::npos) {
        parts.push_back(cur);
        cur.clear();
      } else {
        cur += x;
      }
    }
    parts.push_back(cur);
    if (reverse) std::reverse(parts.begin(), parts.end());
    if (keep > 0 && static_cast<size_t>(keep) < parts.size()) parts.erase(parts.begin(), parts.end() - keep);
    for (size_t p = 0; p < parts.size(); ++p) out += (p ? "." : "") + parts[p];
    if (out.size() > 4096) return std::nullopt;
  }
  while (out.size() > 253) {
    auto dot = out.find('.');
    if (dot == std::string::npos) return std::nullopt;
    out.erase(0, dot + 1);
  }
  return out;
}

}  // namespace sealmail::delivery::auth

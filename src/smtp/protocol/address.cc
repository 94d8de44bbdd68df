#include "smtp/protocol/address.h"

#include "core/utf8.h"

namespace sealmail::smtp {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_8bit(char c) { return static_cast<unsigned char>(c) >= 0x80; }

bool has_8bit(std::string_view s) {
  for (char c : s)
    if (is_8bit(c)) return true;
  return false;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// RFC 5322 §3.2.3 atext (RFC 5321 §4.1.2 uses it), plus UTF8-non-ascii under RFC 6531 §3.3.
bool is_atext(char c, bool utf8) {
  if (is_alpha(c) || is_digit(c)) return true;
  if (is_8bit(c)) return utf8;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// Dot-string = Atom *("." Atom)
bool valid_dot_string(std::string_view s, bool utf8) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(c, utf8)) {
      return false;
    }
    prev = c;
  }
  return true;
}

// Quoted-string = DQUOTE *QcontentSMTP DQUOTE; qtextSMTP = %d32-33 / %d35-91 / %d93-126 (and
// UTF8-non-ascii, RFC 6531); quoted-pairSMTP = "\" %d32-126.
bool valid_quoted_string(std::string_view s, bool utf8) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  std::string_view inner = s.substr(1, s.size() - 2);
  for (size_t i = 0; i < inner.size(); ++i) {
    char c = inner[i];
    if (c == '\\') {
      if (++i == inner.size()) return false;
      auto u = static_cast<unsigned char>(inner[i]);
      if (u < 32 || u > 126) return false;
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      if (!utf8) return false;
      continue;
    }
    if (u < 32 || u > 126 || c == '"') return false;
  }
  return true;
}

// sub-domain = Let-dig [Ldh-str]: starts and ends with a letter or digit, hyphens inside; a U-label's
// non-ASCII bytes count as letters. RFC 1035 §2.3.4: at most 63 octets.
bool valid_label(std::string_view l, bool utf8, bool underscore) {
  if (l.empty() || l.size() > 63) return false;
  auto let_dig = [&](char c) { return is_alpha(c) || is_digit(c) || (is_8bit(c) && utf8) || (underscore && c == '_'); };
  if (!let_dig(l.front()) || !let_dig(l.back())) return false;
  for (char c : l)
    if (!let_dig(c) && c != '-') return false;
  return true;
}

bool domain_syntax(std::string_view d, bool utf8, bool underscore) {
  if (d.empty() || d.size() > kMaxDomain) return false;
  if (has_8bit(d) && !(utf8 && sasl::valid_utf8(d))) return false;
  size_t start = 0;
  while (true) {
    size_t dot = d.find('.', start);
    if (!valid_label(d.substr(start, dot - start), utf8, underscore)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// IPv4-address-literal = Snum 3("." Snum); Snum = 1*3DIGIT, 0..255.
bool valid_ipv4(std::string_view s) {
  int parts = 0;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view n = s.substr(start, dot - start);
    if (n.empty() || n.size() > 3) return false;
    int v = 0;
    for (char c : n) {
      if (!is_digit(c)) return false;
      v = v * 10 + (c - '0');
    }
    if (v > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

// Counts the 16-bit groups of one side of an IPv6 address ("" has none). An IPv4 tail, allowed at
// the end of the right side, counts as two.
bool ipv6_groups(std::string_view s, bool v4_tail_allowed, int& count) {
  count = 0;
  if (s.empty()) return true;
  size_t start = 0;
  while (true) {
    size_t colon = s.find(':', start);
    std::string_view g = s.substr(start, colon - start);
    if (colon == std::string_view::npos && v4_tail_allowed && g.find('.') != std::string_view::npos) {
      if (!valid_ipv4(g)) return false;
      count += 2;
      return true;
    }
    if (g.empty() || g.size() > 4) return false;
    for (char c : g)
      if (!is_hex(c)) return false;
    ++count;
    if (colon == std::string_view::npos) return true;
    start = colon + 1;
  }
}

// RFC 5321 §4.1.3 IPv6-addr = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp.
bool valid_ipv6(std::string_view s) {
  size_t dc = s.find("::");
  int left = 0, right = 0;
  if (dc == std::string_view::npos) return ipv6_groups(s, true, left) && left == 8;
  if (s.find("::", dc + 1) != std::string_view::npos) return false;
  // "::" stands for at least two groups: at most 6 others (IPv6-comp, IPv6v4-comp).
  return ipv6_groups(s.substr(0, dc), false, left) && ipv6_groups(s.substr(dc + 2), true, right) && left + right <= 6;
}

}  // namespace

size_t path_end(std::string_view s) {
  if (s.empty() || s.front() != '<') return std::string_view::npos;
  bool quoted = false;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

bool valid_address_literal(std::string_view literal) {
  if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']') return false;
  std::string_view inner = literal.substr(1, literal.size() - 2);
  if (inner.size() >= 5 && iequals(inner.substr(0, 5), "IPv6:")) return valid_ipv6(inner.substr(5));
  return valid_ipv4(inner);
}

bool valid_domain(std::string_view domain, bool utf8) { return domain_syntax(domain, utf8, false); }

bool valid_helo_domain(std::string_view domain) {
  if (!domain.empty() && domain.front() == '[') return valid_address_literal(domain);
  return domain_syntax(domain, false, true);
}

bool valid_mailbox(std::string_view mailbox, bool utf8) {
  if (has_8bit(mailbox) && !(utf8 && sasl::valid_utf8(mailbox))) return false;
  size_t at = 0;
  if (!mailbox.empty() && mailbox.front() == '"') {
    // The closing quote, past quoted-pairs; the '@' must follow it.
    size_t i = 1;
    while (i < mailbox.size() && mailbox[i] != '"') i += mailbox[i] == '\\' ? 2 : 1;
    if (i >= mailbox.size()) return false;
    at = i + 1;
    if (at >= mailbox.size() || mailbox[at] != '@') return false;
  } else {
    at = mailbox.find('@');
    if (at == std::string_view::npos) return false;
  }
  std::string_view local = mailbox.substr(0, at);
  std::string_view domain = mailbox.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalPart || domain.size() > kMaxDomain) return false;
  bool local_ok = local.front() == '"' ? valid_quoted_string(local, utf8) : valid_dot_string(local, utf8);
  if (!local_ok) return false;
  if (!domain.empty() && domain.front() == '[') return valid_address_literal(domain);
  return valid_domain(domain, utf8);
}

AddressStatus parse_path(std::string_view path, PathKind kind, bool utf8, std::string& address) {
  if (path.size() < 2 || path.front() != '<' || path.back() != '>') return AddressStatus::bad_syntax;
  if (!utf8 && has_8bit(path)) return AddressStatus::non_ascii;
  if (path.size() > kMaxPath) return AddressStatus::path_too_long;
  std::string_view inner = path.substr(1, path.size() - 2);
  if (inner.empty()) {
    if (kind != PathKind::reverse) return AddressStatus::bad_syntax;
    address.clear();
    return AddressStatus::ok;
  }
  // RFC 5321 §4.1.1.3: "<Postmaster>" without a domain, for RCPT only; case-insensitive (§2.4).
  if (kind == PathKind::forward && iequals(inner, "postmaster")) {
    address.assign(inner);
    return AddressStatus::ok;
  }
  // RFC 5321 §4.1.2 A-d-l = At-domain *( "," At-domain ) ":": the source route, which servers
  // "MUST accept" and "SHOULD ignore" (§C, §3.3).
  if (inner.front() == '@') {
    size_t colon = inner.find(':');
    if (colon == std::string_view::npos) return AddressStatus::bad_syntax;
    std::string_view route = inner.substr(0, colon);
    size_t start = 0;
    while (true) {
      size_t comma = route.find(',', start);
      std::string_view hop = route.substr(start, comma - start);
      if (hop.size() < 2 || hop.front() != '@' || !valid_domain(hop.substr(1), utf8)) return AddressStatus::bad_syntax;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    inner.remove_prefix(colon + 1);
  }
  if (!valid_mailbox(inner, utf8)) return AddressStatus::bad_syntax;
  address.assign(inner);
  return AddressStatus::ok;
}

}  // namespace sealmail::smtp

#include "smtp/protocol/params.h"

#include <cstdint>
#include <limits>
#include <string>

#include "core/utf8.h"

namespace sealmail::smtp {
namespace {

// RFC 1870 §3: size-value = 1*20DIGIT.
constexpr size_t kMaxSizeDigits = 20;
// RFC 3461 §4.4: an ENVID is at most 100 characters (decoded); §4.2: ORCPT at most 500.
constexpr size_t kMaxEnvid = 100;
constexpr size_t kMaxOrcpt = 500;
// RFC 4954 §5 sets no limit on AUTH=; a mailbox in xtext with every byte encoded is under this.
constexpr size_t kMaxAuthParam = 3 * 256 + 2;

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool iequals(std::string_view text, std::string_view upper_name) {
  if (text.size() != upper_name.size()) return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (upper(text[i]) != upper_name[i]) return false;
  return true;
}

std::string uppercased(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = upper(c);
  return out;
}

ParseError invalid_value() { return {501, "5.5.4", "Invalid parameter value"}; }
ParseError duplicate() { return {501, "5.5.4", "Duplicate parameter"}; }
ParseError malformed() { return {501, "5.5.4", "Malformed parameter"}; }
ParseError unsupported() { return {555, "5.5.4", "Unsupported parameter"}; }

struct Param {
  std::string_view keyword;
  std::optional<std::string_view> value;
};

// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"); esmtp-value = 1*(%d33-60 / %d62-126),
// and UTF8-non-ascii when allowed (RFC 6531 §3.3).
bool split_param(std::string_view text, bool utf8, Param& out) {
  size_t eq = text.find('=');
  out.keyword = text.substr(0, eq);
  if (out.keyword.empty() || !is_alnum(out.keyword.front())) return false;
  for (char c : out.keyword)
    if (!is_alnum(c) && c != '-') return false;
  out.value.reset();
  if (eq == std::string_view::npos) return true;
  std::string_view value = text.substr(eq + 1);
  if (value.empty()) return false;
  bool non_ascii = false;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      non_ascii = true;
    } else if (u < 33 || u > 126 || c == '=') {
      return false;
    }
  }
  if (non_ascii && !(utf8 && sasl::valid_utf8(value))) return false;
  out.value = value;
  return true;
}

// Calls on_param(Param) for each space-separated parameter; stops at the first error.
template <typename F>
std::optional<ParseError> for_each_param(std::string_view text, bool utf8, F&& on_param) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    size_t sp = text.find(' ', pos);
    if (sp == std::string_view::npos) sp = text.size();
    Param p;
    if (!split_param(text.substr(pos, sp - pos), utf8, p)) return malformed();
    if (auto e = on_param(p)) return e;
    pos = sp;
  }
  return std::nullopt;
}

// Length of xtext once decoded ("+2B" is one character).
size_t xtext_decoded_size(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += s[i] == '+' ? 3 : 1) ++n;
  return n;
}

// RFC 3461 §4.1: "NEVER", or a comma list of SUCCESS, FAILURE, DELAY, each at most once.
std::optional<std::string> parse_notify(std::string_view value) {
  std::string out = uppercased(value);
  if (out == "NEVER") return out;
  bool seen[3] = {false, false, false};
  size_t start = 0;
  while (true) {
    size_t comma = out.find(',', start);
    std::string_view item = std::string_view(out).substr(start, comma - start);
    int which = item == "SUCCESS" ? 0 : item == "FAILURE" ? 1 : item == "DELAY" ? 2 : -1;
    if (which < 0 || seen[which]) return std::nullopt;
    seen[which] = true;
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

// RFC 3461 §4.2: orcpt-parameter = "ORCPT=" addr-type ";" xtext; addr-type = atom. RFC 6533 §3
// lets UTF-8 appear in the address part ("utf-8" addr-type) under SMTPUTF8.
bool valid_orcpt(std::string_view value, bool utf8) {
  if (value.size() > kMaxOrcpt) return false;
  size_t semi = value.find(';');
  if (semi == 0 || semi == std::string_view::npos) return false;
  for (char c : value.substr(0, semi))
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  std::string_view addr = value.substr(semi + 1);
  if (addr.empty()) return false;
  for (size_t i = 0; i < addr.size(); ++i) {
    if (static_cast<unsigned char>(addr[i]) >= 0x80) {
      if (!utf8) return false;
      continue;  // split_param checked the UTF-8
    }
    if (addr[i] == '+') {  // hexchar; RFC 6533's "\x{...}" escapes are plain xchars here
      if (i + 2 >= addr.size()) return false;
      auto hex = [](char c) { return is_digit(c) || (c >= 'A' && c <= 'F'); };
      if (!hex(addr[i + 1]) || !hex(addr[i + 2])) return false;
      i += 2;
    }
  }
  return true;
}

}  // namespace

bool valid_xtext(std::string_view s) {
  auto hex = [](char c) { return is_digit(c) || (c >= 'A' && c <= 'F'); };
  for (size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (s[i] == '+') {
      if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return false;
      i += 2;
    } else if (u < 33 || u > 126 || s[i] == '=') {
      return false;
    }
  }
  return true;
}

std::optional<ParseError> parse_mail_params(std::string_view text, MailParams& out) {
  bool seen_size = false, seen_body = false, seen_ret = false, seen_envid = false, seen_auth = false;
  return for_each_param(text, false, [&](const Param& p) -> std::optional<ParseError> {
    const auto& v = p.value;
    if (iequals(p.keyword, "SIZE")) {
      if (seen_size) return duplicate();
      seen_size = true;
      if (!v || v->size() > kMaxSizeDigits) return invalid_value();
      uint64_t n = 0;
      for (char c : *v) {
        if (!is_digit(c)) return invalid_value();
        auto d = static_cast<uint64_t>(c - '0');
        // 20 digits can pass 2^64: such a size is "more than we take" either way.
        n = n > (std::numeric_limits<uint64_t>::max() - d) / 10 ? std::numeric_limits<uint64_t>::max() : n * 10 + d;
      }
      out.size = n;
    } else if (iequals(p.keyword, "BODY")) {
      if (seen_body) return duplicate();
      seen_body = true;
      if (!v) return invalid_value();
      if (iequals(*v, "7BIT"))
        out.body = BodyType::seven_bit;
      else if (iequals(*v, "8BITMIME"))
        out.body = BodyType::eight_bit_mime;
      else if (iequals(*v, "BINARYMIME"))
        out.body = BodyType::binary_mime;
      else
        return invalid_value();
    } else if (iequals(p.keyword, "SMTPUTF8")) {
      if (out.smtputf8) return duplicate();
      if (v) return invalid_value();  // RFC 6531 §3.4: no value
      out.smtputf8 = true;
    } else if (iequals(p.keyword, "RET")) {
      if (seen_ret) return duplicate();
      seen_ret = true;
      if (!v || !(iequals(*v, "FULL") || iequals(*v, "HDRS"))) return invalid_value();
      out.ret = uppercased(*v);
    } else if (iequals(p.keyword, "ENVID")) {
      if (seen_envid) return duplicate();
      seen_envid = true;
      if (!v || !valid_xtext(*v) || xtext_decoded_size(*v) > kMaxEnvid) return invalid_value();
      out.envid = *v;
    } else if (iequals(p.keyword, "AUTH")) {
      if (seen_auth) return duplicate();
      seen_auth = true;
      if (!v || v->size() > kMaxAuthParam || !(*v == "<>" || valid_xtext(*v))) return invalid_value();
      out.auth = *v;
    } else {
      return unsupported();
    }
    return std::nullopt;
  });
}

std::optional<ParseError> parse_rcpt_params(std::string_view text, bool utf8, RcptParams& out) {
  bool seen_notify = false, seen_orcpt = false;
  return for_each_param(text, utf8, [&](const Param& p) -> std::optional<ParseError> {
    const auto& v = p.value;
    if (iequals(p.keyword, "NOTIFY")) {
      if (seen_notify) return duplicate();
      seen_notify = true;
      auto notify = v ? parse_notify(*v) : std::nullopt;
      if (!notify) return invalid_value();
      out.notify = std::move(*notify);
    } else if (iequals(p.keyword, "ORCPT")) {
      if (seen_orcpt) return duplicate();
      seen_orcpt = true;
      if (!v || !valid_orcpt(*v, utf8)) return invalid_value();
      out.orcpt = *v;
    } else {
      return unsupported();
    }
    return std::nullopt;
  });
}

}  // namespace sealmail::smtp

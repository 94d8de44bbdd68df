#include "delivery/auth/authentication_results.h"

#include "core/ascii.h"

namespace sealmail::delivery::auth {

namespace {

bool wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

struct Cursor {
  std::string_view s;
  size_t pos = 0;
  bool at_end() { return pos >= s.size(); }
  // CFWS: whitespace and (nested) comments; false on an unterminated comment.
  bool skip_cfws() {
    while (pos < s.size()) {
      if (wsp(s[pos])) {
        ++pos;
      } else if (s[pos] == '(') {
        int depth = 0;
        do {
          if (pos >= s.size()) return false;
          char c = s[pos++];
          if (c == '\\') {
            ++pos;
          } else if (c == '(') {
            if (++depth > 16) return false;
          } else if (c == ')') {
            --depth;
          }
        } while (depth > 0);
      } else {
        break;
      }
    }
    return pos <= s.size();
  }
  // token (RFC 2045 §5.1) or quoted-string (RFC 5322 §3.2.4); `dots_and_slashes` lets the
  // token hold the characters a property or a method version may hold.
  // Method, result and property names are tokens only (RFC 8601 §2.2: Keyword, ptype "." property):
  // `quoted` false refuses a quoted-string there.
  std::optional<std::string> value(std::string_view stops, bool quoted = true) {
    if (pos < s.size() && s[pos] == '"') {
      if (!quoted) return std::nullopt;
      std::string out;
      ++pos;
      while (pos < s.size() && s[pos] != '"') {
        if (s[pos] == '\\' && pos + 1 < s.size()) ++pos;
        // qtext and quoted-pair (RFC 5322 §3.2.4): no control characters but folding white space.
        auto u = static_cast<unsigned char>(s[pos]);
        if ((u < 0x20 && u != '\t' && u != '\r' && u != '\n') || u == 0x7f) return std::nullopt;
        out += s[pos++];
      }
      if (pos >= s.size()) return std::nullopt;
      ++pos;
      return out;
    }
    size_t start = pos;
    while (pos < s.size() && !wsp(s[pos]) && s[pos] != ';' && s[pos] != '(' && s[pos] != '"' &&
           stops.find(s[pos]) == std::string_view::npos) {
      auto u = static_cast<unsigned char>(s[pos]);
      if (u < 0x21 || u == 0x7f) return std::nullopt;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    return std::string(s.substr(start, pos - start));
  }
};

}  // namespace

std::optional<AuthenticationResults> parse_authentication_results(std::string_view value) {
  AuthenticationResults out;
  Cursor c{value};
  if (!c.skip_cfws()) return std::nullopt;
  auto id = c.value("");
  if (!id || id->empty()) return std::nullopt;
  out.authserv_id = lower(*id);
  if (!c.skip_cfws()) return std::nullopt;
  if (!c.at_end() && c.s[c.pos] != ';') {  // authres-version
    auto v = c.value("", false);  // authres-version = 1*DIGIT (§2.2)
    if (!v || v->find_first_not_of("0123456789") != std::string::npos || !c.skip_cfws()) return std::nullopt;
  }
  if (c.at_end()) return std::nullopt;  // §2.2: "; none" or at least one resinfo is required
  while (!c.at_end()) {
    if (c.s[c.pos] != ';') return std::nullopt;
    ++c.pos;
    if (!c.skip_cfws()) return std::nullopt;
    if (c.at_end()) break;  // a trailing ';' is common enough to accept
    auto method = c.value("=", false);
    if (!method) return std::nullopt;
    if (!c.skip_cfws()) return std::nullopt;
    if (lower(*method) == "none" && (c.at_end() || c.s[c.pos] == ';')) {
      if (!out.results.empty()) return std::nullopt;
      continue;
    }
    if (c.at_end() || c.s[c.pos] != '=') return std::nullopt;
    ++c.pos;
    if (!c.skip_cfws()) return std::nullopt;
    auto result = c.value("=", false);
    if (!result) return std::nullopt;
    AuthResult r{lower(*method), lower(*result), {}, {}};
    if (!c.skip_cfws()) return std::nullopt;
    while (!c.at_end() && c.s[c.pos] != ';') {
      auto name = c.value("=", false);
      if (!name || c.at_end()) return std::nullopt;
      if (!c.skip_cfws() || c.at_end() || c.s[c.pos] != '=') return std::nullopt;
      ++c.pos;
      if (!c.skip_cfws()) return std::nullopt;
      auto val = c.value("");
      if (!val) return std::nullopt;
      r.properties.emplace_back(lower(*name), *val);
      if (r.properties.size() > 32) return std::nullopt;
      if (!c.skip_cfws()) return std::nullopt;
    }
    out.results.push_back(std::move(r));
    if (out.results.size() > 64) return std::nullopt;
  }
  return out;
}

std::string format_authentication_results_value(const AuthenticationResults& results) {
  std::string out = results.authserv_id;
  if (results.results.empty()) return out + "; none";
  for (const auto& r : results.results) {
    out += ";\r\n\t" + r.method + "=" + r.result;
    if (!r.comment.empty()) out += " (" + r.comment + ")";
    for (const auto& [k, v] : r.properties) out += " " + k + "=" + v;
  }
  return out;
}

std::string format_authentication_results(const AuthenticationResults& results) {
  return "Authentication-Results: " + format_authentication_results_value(results) + "\r\n";
}

std::string strip_authentication_results(std::string_view message, std::string_view ours, size_t& removed) {
  removed = 0;
  std::string out;
  out.reserve(message.size());
  std::string id = lower(ours);
  size_t pos = 0;
  bool in_headers = true;
  while (pos < message.size() && in_headers) {
    size_t eol = message.find("\r\n", pos);
    if (eol == std::string_view::npos) break;
    if (eol == pos) {  // the empty line: the body follows
      in_headers = false;
      break;
    }
    // The field runs to the first line that does not start with WSP.
    size_t end = eol + 2;
    while (end < message.size() && (message[end] == ' ' || message[end] == '\t')) {
      size_t next = message.find("\r\n", end);
      if (next == std::string_view::npos) {
        end = message.size();
        break;
      }
      end = next + 2;
    }
    std::string_view field = message.substr(pos, end - pos);
    constexpr std::string_view kName = "authentication-results";
    bool drop = false;
    if (field.size() > kName.size() && lower(field.substr(0, kName.size())) == kName) {
      size_t colon = kName.size();
      while (colon < field.size() && (field[colon] == ' ' || field[colon] == '\t')) ++colon;
      if (colon < field.size() && field[colon] == ':') {
        auto parsed = parse_authentication_results(field.substr(colon + 1));
        if (parsed) {
          drop = parsed->authserv_id == id;
        } else {
          // Malformed, but still claiming to be ours by its first word: drop it too.
          Cursor c{field.substr(colon + 1)};
          auto first = c.skip_cfws() ? c.value("") : std::nullopt;
          drop = first && lower(*first) == id;
        }
      }
    }
    if (drop)
      ++removed;
    else
      out.append(field);
    pos = end;
  }
  out.append(message.substr(pos));
  return out;
}

}  // namespace sealmail::delivery::auth

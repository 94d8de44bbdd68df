#include "admin/web/form.h"

#include <algorithm>

#include "core/utf8.h"
#include "core/wipe.h"

namespace sealmail::admin::web {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One percent-decoded component; none on a bad escape or when longer than `max`.
std::optional<std::string> decode(std::string_view s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (out.size() == max) return std::nullopt;
    out += c;
  }
  return out;
}

bool valid_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

bool valid_value(std::string_view v) {
  for (unsigned char c : v)
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return false;
  return sasl::valid_utf8(v);
}

Error bad(const char* what) { return make_error(Errc::invalid_argument, std::string("malformed form: ") + what); }

}  // namespace

Result<Form> parse_form(std::string_view encoded, const FormLimits& limits) {
  if (encoded.size() > limits.max_total) return bad("too long");
  Form form;
  size_t pos = 0;
  while (pos <= encoded.size()) {
    size_t amp = encoded.find('&', pos);
    std::string_view pair = encoded.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    pos = amp == std::string_view::npos ? encoded.size() + 1 : amp + 1;
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&'
    if (form.size() == limits.max_fields) {
      wipe(form);
      return bad("too many fields");
    }
    size_t eq = pair.find('=');
    auto name = decode(pair.substr(0, eq), limits.max_name);
    auto value = decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), limits.max_value);
    bool ok = name && value && valid_name(*name) && valid_value(*value);
    if (!ok || form.count(*name)) {
      if (value) sasl::wipe(*value);
      wipe(form);
      return bad(!ok ? "a bad field" : "a field given twice");
    }
    form.emplace(std::move(*name), std::move(*value));
  }
  return form;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  if (header.size() > 4096) return std::nullopt;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t semi = header.find(';', pos);
    std::string_view pair = header.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos);
    pos = semi == std::string_view::npos ? header.size() : semi + 1;
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;  // RFC 6265 §5.2: a pair without '=' is ignored
    if (pair.substr(0, eq) != name) continue;
    std::string_view v = pair.substr(eq + 1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    for (unsigned char c : v)  // RFC 6265 §4.1.1 cookie-octet
      if (c < 0x21 || c == '"' || c == ',' || c == ';' || c == '\\' || c >= 0x7f) return std::nullopt;
    return std::string(v);
  }
  return std::nullopt;
}

void wipe(Form& form) {
  for (auto& [name, value] : form) sasl::wipe(value);
  form.clear();
}

}  // namespace sealmail::admin::web

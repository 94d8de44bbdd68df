#include "directory/address.h"

#include <re2/re2.h>

#include <memory>
#include <mutex>
#include <unordered_map>

namespace sealmail::directory {

namespace {

constexpr size_t kMaxDomain = 253;  // RFC 1035 §2.3.4, without the trailing dot
constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxLocal = 64;  // RFC 5321 §4.5.3.1.1
constexpr size_t kMaxPattern = 256;
constexpr size_t kMaxUrl = 2048;

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }

Error invalid(std::string what) { return make_error(Errc::invalid_argument, std::move(what)); }

// RFC 5322 §3.2.3 atext, plus UTF-8 (RFC 6532 §3.2).
bool is_atext(char c) {
  if (!is_ascii(c)) return true;
  if (is_alpha(c) || is_digit(c)) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

Status validate_local(std::string_view local) {
  if (local.empty()) return invalid("invalid address: empty local part");
  if (local.size() > kMaxLocal) return invalid("invalid address: local part longer than 64 bytes");
  if (!is_valid_utf8(local)) return invalid("invalid address: local part is not UTF-8");
  if (local.front() == '"') return invalid("invalid address: quoted local parts are not supported");
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return invalid("invalid address: misplaced '.' in local part");
  for (char c : local)
    if (c != '.' && !is_atext(c))
      return invalid("invalid address: local part has a character not allowed in addresses");
  return Status::success();
}

RE2::Options regex_options() {
  RE2::Options o;
  o.set_case_sensitive(false);
  o.set_log_errors(false);
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_max_mem(1 << 20);  // a local-part pattern needs little; a hostile one gets little
  return o;
}

// Compiled patterns, shared by every resolution. A pattern's compilation depends on its text only,
// so caching it can never show stale directory data.
class RegexCache {
 public:
  std::shared_ptr<const RE2> get(std::string_view pattern) {
    std::lock_guard lock(mu_);
    auto it = map_.find(std::string(pattern));
    if (it != map_.end()) return it->second;
    auto re = std::make_shared<const RE2>(pattern, regex_options());
    if (map_.size() >= kMaxEntries) map_.clear();  // crude bound; patterns are few in practice
    map_.emplace(std::string(pattern), re);
    return re;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const RE2>> map_;
};

RegexCache& regex_cache() {
  static RegexCache cache;
  return cache;
}

}  // namespace

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8 (RFC 3629 §3).
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

Result<std::string> normalize_domain(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return invalid("invalid domain name: empty");
  if (name.size() > kMaxDomain) return invalid("invalid domain name: longer than 253 bytes");
  if (!is_valid_utf8(name)) return invalid("invalid domain name: not UTF-8");
  std::string out = ascii_lower(name);
  std::string_view rest = out;
  std::string_view last;
  while (true) {
    size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (label.empty()) return invalid("invalid domain name: empty label");
    if (label.size() > kMaxLabel) return invalid("invalid domain name: label longer than 63 bytes");
    if (label.front() == '-' || label.back() == '-')
      return invalid("invalid domain name: label starts or ends with '-'");
    for (char c : label)
      if (is_ascii(c) && !is_alpha(c) && !is_digit(c) && c != '-')
        return invalid("invalid domain name: only letters, digits, '-' and '.' are allowed");
    last = label;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  // RFC 3696 §2: a top-level label is never all-numeric, which also keeps IP addresses out.
  bool numeric = true;
  for (char c : last) numeric = numeric && is_digit(c);
  if (numeric) return invalid("invalid domain name: the last label is all digits");
  return out;
}

Result<Address> parse_address(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return invalid("invalid address: no '@'");
  std::string_view local = address.substr(0, at);
  SEALMAIL_TRY(validate_local(local));
  auto domain = normalize_domain(address.substr(at + 1));
  if (!domain) return domain.error();
  return Address{std::string(local), std::move(*domain)};
}

Result<std::string> normalize_address(std::string_view address) {
  auto a = parse_address(address);
  if (!a) return a.error();
  return ascii_lower(a->local) + "@" + a->domain;
}

Result<AliasPattern> parse_alias_address(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return invalid("invalid alias: no '@'");
  std::string_view local = address.substr(0, at);
  auto domain = normalize_domain(address.substr(at + 1));
  if (!domain) return domain.error();
  if (local == "*") return AliasPattern{AliasKind::catch_all, "*", std::move(*domain)};
  if (local.size() >= 2 && local.front() == '/' && local.back() == '/') {
    std::string_view pattern = local.substr(1, local.size() - 2);
    SEALMAIL_TRY(validate_regex(pattern));
    return AliasPattern{AliasKind::regex, std::string(pattern), std::move(*domain)};
  }
  SEALMAIL_TRY(validate_local(local));
  return AliasPattern{AliasKind::exact, ascii_lower(local), std::move(*domain)};
}

Status validate_regex(std::string_view pattern) {
  if (pattern.empty()) return invalid("invalid alias: empty regular expression");
  if (pattern.size() > kMaxPattern) return invalid("invalid alias: regular expression longer than 256 bytes");
  if (!is_valid_utf8(pattern)) return invalid("invalid alias: regular expression is not UTF-8");
  auto re = regex_cache().get(pattern);
  if (!re->ok()) return invalid("invalid alias: bad regular expression: " + re->error());
  return Status::success();
}

bool regex_matches(std::string_view pattern, std::string_view local) {
  auto re = regex_cache().get(pattern);
  return re->ok() && RE2::FullMatch(local, *re);
}

Status validate_webhook_url(std::string_view url) {
  if (url.size() > kMaxUrl) return invalid("invalid webhook URL: longer than 2048 bytes");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return invalid("invalid webhook URL: white space or control character");
  if (!is_valid_utf8(url)) return invalid("invalid webhook URL: not UTF-8");
  std::string lower = ascii_lower(url.substr(0, 8));
  size_t skip;
  if (lower.starts_with("https://")) {
    skip = 8;
  } else if (lower.starts_with("http://")) {
    skip = 7;
  } else {
    return invalid("invalid webhook URL: only http:// and https:// are allowed");
  }
  std::string_view authority = url.substr(skip);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {  // IPv6 literal, RFC 3986 §3.2.2
    size_t close = host.find(']');
    if (close == std::string_view::npos) return invalid("invalid webhook URL: unclosed '[' in host");
    port = host.substr(close + 1);
    host = host.substr(0, close + 1);
    if (!port.empty() && port.front() != ':') return invalid("invalid webhook URL: bad port");
    if (!port.empty()) port.remove_prefix(1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty()) return invalid("invalid webhook URL: bad port");
  }
  if (host.empty() || host == "[]") return invalid("invalid webhook URL: no host");
  if (!port.empty()) {
    if (port.size() > 5) return invalid("invalid webhook URL: bad port");
    int n = 0;
    for (char c : port) {
      if (!is_digit(c)) return invalid("invalid webhook URL: bad port");
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 65535) return invalid("invalid webhook URL: bad port");
  }
  return Status::success();
}

Status validate_account_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return invalid("invalid account name: 1 to 64 characters");
  for (char c : name)
    if (!is_alpha(c) && !is_digit(c) && std::string_view("._-+@").find(c) == std::string_view::npos)
      return invalid("invalid account name: only letters, digits and . _ - + @ are allowed");
  return Status::success();
}

Status validate_dkim_selector(std::string_view selector) {
  if (selector.empty()) return Status::success();
  if (selector.size() > kMaxLabel) return invalid("invalid DKIM selector: longer than 63 bytes");
  std::string_view rest = selector;
  while (true) {
    size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.front() == '-' || label.back() == '-')
      return invalid("invalid DKIM selector: empty label or label starting or ending with '-'");
    for (char c : label)
      if (!is_alpha(c) && !is_digit(c) && c != '-')
        return invalid("invalid DKIM selector: only letters, digits, '-' and '.'");
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return Status::success();
}

}  // namespace sealmail::directory

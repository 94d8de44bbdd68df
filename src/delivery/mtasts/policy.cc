#include "delivery/mtasts/policy.h"

#include <algorithm>
#include <charconv>

namespace sealmail::delivery::mtasts {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

// §3.2 mx: a domain name, optionally with "*." in front: LDH labels of 1..63, at most 253 in all.
bool valid_mx_pattern(std::string_view p) {
  if (p.size() >= 2 && p[0] == '*' && p[1] == '.') p.remove_prefix(2);
  if (p.empty() || p.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!is_alnum(c) && c != '-' && c != '_') return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

}  // namespace

std::optional<TxtRecord> parse_txt(std::string_view text) {
  // §3.1: sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]; fields
  // are key=value, separated by ";" with optional spaces; v=STSv1 first.
  if (text.size() > 1024) return std::nullopt;
  TxtRecord out;
  bool first = true, have_id = false;
  while (!text.empty()) {
    auto semi = text.find(';');
    std::string_view field = trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
    if (field.empty()) {
      if (first) return std::nullopt;
      continue;  // a trailing ";" (or one more delimiter)
    }
    auto eq = field.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = field.substr(0, eq), value = field.substr(eq + 1);
    if (first) {
      if (key != "v" || value != "STSv1") return std::nullopt;
      first = false;
      continue;
    }
    if (key == "id") {
      if (have_id || value.empty() || value.size() > 32 || !std::all_of(value.begin(), value.end(), is_alnum))
        return std::nullopt;
      out.id = std::string(value);
      have_id = true;
    }
    // Other extension fields (sts-ext-name = (ALPHA / DIGIT) *31(...)) are ignored.
  }
  if (first || !have_id) return std::nullopt;
  return out;
}

std::optional<TxtRecord> pick_txt(const std::vector<std::string>& records) {
  std::optional<TxtRecord> found;
  size_t sts = 0;
  for (const auto& r : records) {
    if (r.rfind("v=STSv1", 0) != 0) continue;
    ++sts;
    found = parse_txt(r);
  }
  if (sts != 1) return std::nullopt;
  return found;
}

std::optional<Policy> parse_policy(std::string_view body) {
  if (body.size() > kMaxPolicyBytes) return std::nullopt;
  Policy out;
  bool have_version = false, have_mode = false, have_max_age = false;
  while (!body.empty()) {
    auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "version") {
      if (have_version || value != "STSv1") return std::nullopt;
      have_version = true;
    } else if (key == "mode") {
      if (have_mode) return std::nullopt;
      if (value == "enforce")
        out.mode = Mode::enforce;
      else if (value == "testing")
        out.mode = Mode::testing;
      else if (value == "none")
        out.mode = Mode::none;
      else
        return std::nullopt;
      have_mode = true;
    } else if (key == "max_age") {
      // §3.2: 1*10DIGIT, at most 31557600.
      if (have_max_age || value.empty() || value.size() > 10) return std::nullopt;
      int64_t age = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), age);
      if (ec != std::errc{} || end != value.data() + value.size() || age < 0 || age > kMaxMaxAge) return std::nullopt;
      out.max_age = age;
      have_max_age = true;
    } else if (key == "mx") {
      if (!value.empty() && value.back() == '.') value.remove_suffix(1);  // an absolute name
      if (!valid_mx_pattern(value) || out.mx.size() >= kMaxMxPatterns) return std::nullopt;
      out.mx.push_back(lowered(value));
    }
    // Unknown keys are ignored (§3.2: "extension" fields).
  }
  if (!have_version || !have_mode || !have_max_age) return std::nullopt;
  if (out.mode != Mode::none && out.mx.empty()) return std::nullopt;
  return out;
}

bool mx_matches(std::string_view pattern, std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (pattern.size() >= 2 && pattern[0] == '*' && pattern[1] == '.') {
    std::string_view suffix = pattern.substr(1);  // ".example.net"
    if (host.size() <= suffix.size()) return false;
    std::string_view first = host.substr(0, host.size() - suffix.size());
    if (first.find('.') != std::string_view::npos) return false;  // exactly one label
    return iequals(host.substr(first.size()), suffix);
  }
  return iequals(pattern, host);
}

bool policy_allows(const Policy& policy, std::string_view host) {
  return std::any_of(policy.mx.begin(), policy.mx.end(), [&](const std::string& p) { return mx_matches(p, host); });
}

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::enforce:
      return "enforce";
    case Mode::testing:
      return "testing";
    case Mode::none:
      return "none";
  }
  return "none";
}

}  // namespace sealmail::delivery::mtasts

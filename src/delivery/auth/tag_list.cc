#include "delivery/auth/tag_list.h"

#include <string>

namespace sealmail::delivery::auth {

namespace {

bool wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && wsp(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

const Tag* TagList::find(std::string_view name) const {
  for (const auto& t : tags)
    if (t.name == name) return &t;
  return nullptr;
}

std::optional<TagList> parse_tag_list(std::string_view text) {
  TagList list;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view spec = text.substr(pos, end - pos);
    size_t spec_begin = pos;
    pos = end + 1;
    if (trim(spec).empty()) {
      // Only the last spec may be empty ("a=b;" or nothing at all).
      if (end >= text.size() || trim(text.substr(end + 1)).empty()) break;
      return std::nullopt;
    }
    size_t eq = spec.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view name = trim(spec.substr(0, eq));
    if (name.empty() || !alpha(name.front())) return std::nullopt;
    for (char c : name)
      if (!alpha(c) && !digit(c) && c != '_') return std::nullopt;
    std::string_view raw = spec.substr(eq + 1);
    for (char c : raw) {
      auto u = static_cast<unsigned char>(c);
      // tval: %x21-3A / %x3C-7E, separated by FWS. Bytes above 0x7E are let through for
      // UTF-8 in DMARC reporting addresses, which we never use.
      if (u < 0x21 && !wsp(c)) return std::nullopt;
      if (u == 0x7f) return std::nullopt;
    }
    for (const auto& t : list.tags)
      if (t.name == name) return std::nullopt;
    list.tags.push_back(Tag{name, trim(raw), spec_begin + eq + 1, spec_begin + spec.size()});
    if (list.tags.size() > 64) return std::nullopt;
  }
  return list;
}

std::string strip_whitespace(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value)
    if (!wsp(c)) out += c;
  return out;
}

}  // namespace sealmail::delivery::auth

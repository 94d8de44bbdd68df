#include "mime/header_fields.h"

#include <gmime/gmime.h>

#include "mime/gmime_ptr.h"
#include "mime/message_info.h"

namespace sealmail::mime {

namespace {

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

std::string_view trim(std::string_view s) {
  // A bare CR (no LF after it) does not end a line, so one may stand first in a value: it goes too.
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// RFC 5322 §3.6.8: field-name = 1*ftext, printable ASCII but ':'.
bool field_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < 33 || c > 126 || c == ':') return false;
  return true;
}

bool collect(InternetAddressList* list, std::vector<std::string>& out, int depth) {
  if (list == nullptr || depth > 2) return false;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* a = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(a)) {
      InternetAddressList* members = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a));
      if (members != nullptr && !collect(members, out, depth + 1)) return false;
      continue;
    }
    const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
    std::string_view spec = addr != nullptr ? addr : "";
    size_t at = spec.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == spec.size()) return false;
    out.emplace_back(spec);
  }
  return true;
}

}  // namespace

std::vector<std::string> header_field_values(std::string_view message, std::string_view name) {
  std::vector<std::string> out;
  bool in_wanted = false;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t lf = message.find('\n', pos);
    std::string_view line = message.substr(pos, lf == std::string_view::npos ? std::string_view::npos : lf - pos);
    pos = lf == std::string_view::npos ? message.size() : lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the end of the header section
    if (line.front() == ' ' || line.front() == '\t') {
      // A continuation (RFC 5322 §2.2.3): unfolding removes the CRLF only.
      if (in_wanted) {
        out.back() += line;
      }
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) break;
    std::string_view field = line.substr(0, colon);
    while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);  // obs-optional
    if (!field_name(field)) break;
    in_wanted = iequals(field, name);
    if (in_wanted) out.emplace_back(line.substr(colon + 1));
  }
  for (auto& v : out) v = std::string(trim(v));
  return out;
}

std::optional<std::vector<std::string>> address_list(std::string_view value) {
  init();
  // GMime reads C strings: a NUL would cut the list short, so such a value is no list at all.
  if (value.find('\0') != std::string_view::npos) return std::nullopt;
  std::string text(value);
  detail::GObjectPtr<InternetAddressList> list(internet_address_list_parse(nullptr, text.c_str()));
  if (!list || internet_address_list_length(list.get()) == 0) return std::nullopt;
  std::vector<std::string> out;
  if (!collect(list.get(), out, 0)) return std::nullopt;
  return out;
}

}  // namespace sealmail::mime

// ASCII case for protocol text: domains, header and parameter names, SMTP and DNS keywords. Only
// A-Z change (never by locale): a UTF-8 address keeps its non-ASCII bytes as written (RFC 6531).
#pragma once

#include <string>
#include <string_view>

namespace sealmail {

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The domain of `address` (after its last '@'), lowercased; "" when it has none.
inline std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : lower(address.substr(at + 1));
}

}  // namespace sealmail

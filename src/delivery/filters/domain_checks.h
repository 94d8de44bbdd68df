// Checks on the domain names in links (issue 9 "Phishing"), no I/O:
//   - host_of: the host of a URL (RFC 3986 §3.2.2), lowercased, without userinfo, port or a final dot;
//   - domain_in_text: the domain a link's visible text shows, if it shows one ("www.bank.com",
//     "https://bank.com/login", "bank.com");
//   - same_site: whether two hosts belong to the same registrable domain (approximated without the
//     Public Suffix List: the last two labels, three under a two-letter country code whose second
//     level is a short generic label such as co.uk or com.au);
//   - spoofed_label: an IDN label (punycode "xn--" decoded per RFC 3492, or UTF-8 as written) that
//     mixes scripts (UTS #39 §5.1 "highly restrictive": one script, or Latin with Han and
//     Hiragana/Katakana, Han with Hangul, Han with Bopomofo) or that is written wholly in
//     Cyrillic or Greek letters which all look like Latin ones ("аррӏе").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealmail::delivery::filters {

std::string host_of(std::string_view url);
std::optional<std::string> domain_in_text(std::string_view text);
bool same_site(std::string_view a, std::string_view b);
// "mixed-script domain" or "homograph domain" for the first label of `host` that is spoofed.
std::optional<std::string> spoofed_host(std::string_view host);

}  // namespace sealmail::delivery::filters

#include "delivery/filters/domain_checks.h"

#include <idn2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <vector>

namespace sealmail::delivery::filters {

namespace {

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_host_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c >= 0x80;
}

std::vector<std::string_view> labels(std::string_view host) {
  std::vector<std::string_view> out;
  while (!host.empty()) {
    auto dot = host.find('.');
    out.push_back(host.substr(0, dot));
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return out;
}

std::string registrable(std::string_view host) {
  auto parts = labels(host);
  if (parts.size() <= 2) return std::string(host);
  size_t keep = 2;
  static const std::array<std::string_view, 8> kSecondLevel = {"co", "com", "net", "org", "ac", "gov", "edu", "ne"};
  if (parts.back().size() == 2 &&
      std::find(kSecondLevel.begin(), kSecondLevel.end(), parts[parts.size() - 2]) != kSecondLevel.end())
    keep = 3;
  std::string out;
  for (size_t i = parts.size() - keep; i < parts.size(); ++i) out += (out.empty() ? "" : ".") + std::string(parts[i]);
  return out;
}

// Code points of a label: punycode decoded by libidn2 when it is an A-label, else its UTF-8.
std::vector<uint32_t> code_points(std::string_view label) {
  std::vector<uint32_t> out;
  std::string z(label);
  if (z.size() > 4 && z.compare(0, 4, "xn--") == 0) {
    uint32_t* decoded = nullptr;
    if (idn2_to_unicode_8z4z(z.c_str(), &decoded, 0) == IDN2_OK && decoded != nullptr) {
      for (uint32_t* p = decoded; *p != 0; ++p) out.push_back(*p);
      std::free(decoded);
      return out;
    }
    out.clear();
  }
  for (size_t i = 0; i < z.size();) {
    auto c = static_cast<unsigned char>(z[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xF0 && i + 3 < z.size() + 0) {
      cp = (c & 0x07u) << 18 | (static_cast<unsigned char>(z[i + 1]) & 0x3Fu) << 12 |
           (static_cast<unsigned char>(z[i + 2]) & 0x3Fu) << 6 | (static_cast<unsigned char>(z[i + 3]) & 0x3Fu);
      n = 4;
    } else if (c >= 0xE0 && i + 2 < z.size()) {
      cp = (c & 0x0Fu) << 12 | (static_cast<unsigned char>(z[i + 1]) & 0x3Fu) << 6 |
           (static_cast<unsigned char>(z[i + 2]) & 0x3Fu);
      n = 3;
    } else if (c >= 0xC0 && i + 1 < z.size()) {
      cp = (c & 0x1Fu) << 6 | (static_cast<unsigned char>(z[i + 1]) & 0x3Fu);
      n = 2;
    } else if (c >= 0x80) {
      cp = 0xFFFD;
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

// Cyrillic and Greek letters that look like Latin ones (from Unicode's confusables.txt, the
// lowercase letters used in domains).
bool looks_latin(uint32_t cp) {
  static const std::set<uint32_t> kLookalikes = {0x0430, 0x0432, 0x0435, 0x043A, 0x043C, 0x043D, 0x043E, 0x0440, 0x0441,
                                                 0x0442, 0x0443, 0x0445, 0x0455, 0x0456, 0x0458, 0x0491, 0x04BB, 0x04CF,
                                                 0x0501, 0x051B, 0x051D, 0x0261, 0x03B1, 0x03B2, 0x03B5, 0x03B9, 0x03BA,
                                                 0x03BD, 0x03BF, 0x03C1, 0x03C4, 0x03C5, 0x03C7, 0x03F2, 0x03F3};
  return kLookalikes.count(cp) > 0;
}

std::optional<std::string> spoofed_label(std::string_view label) {
  bool ascii = std::all_of(label.begin(), label.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii && !(label.size() > 4 && label.substr(0, 4) == "xn--")) return std::nullopt;
  auto cps = code_points(label);
  std::set<UScriptCode> scripts;
  bool all_lookalike = true;
  size_t letters = 0;
  for (uint32_t cp : cps) {
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode s = uscript_getScript(static_cast<UChar32>(cp), &err);
    if (U_FAILURE(err) || s == USCRIPT_COMMON || s == USCRIPT_INHERITED) continue;
    scripts.insert(s);
    ++letters;
    if (!looks_latin(cp)) all_lookalike = false;
  }
  if (scripts.size() > 1) {
    // UTS #39 §5.1 "highly restrictive": the CJK combinations are ordinary.
    auto allowed = [&](std::initializer_list<UScriptCode> set) {
      return std::all_of(scripts.begin(), scripts.end(),
                         [&](UScriptCode s) { return std::find(set.begin(), set.end(), s) != set.end(); });
    };
    if (!allowed({USCRIPT_LATIN, USCRIPT_HAN, USCRIPT_HIRAGANA, USCRIPT_KATAKANA}) &&
        !allowed({USCRIPT_LATIN, USCRIPT_HAN, USCRIPT_HANGUL}) &&
        !allowed({USCRIPT_LATIN, USCRIPT_HAN, USCRIPT_BOPOMOFO}))
      return "mixed-script domain";
  }
  if (scripts.size() == 1 && letters > 0 && all_lookalike &&
      (*scripts.begin() == USCRIPT_CYRILLIC || *scripts.begin() == USCRIPT_GREEK))
    return "homograph domain";
  return std::nullopt;
}

}  // namespace

std::string host_of(std::string_view url) {
  while (!url.empty() && (url.front() == ' ' || url.front() == '\t')) url.remove_prefix(1);
  auto colon = url.find(':');
  auto slashes = url.find("//");
  if (slashes == std::string_view::npos) return {};
  // A scheme (RFC 3986 §3.1) right before "//", or a scheme-relative "//host".
  if (slashes != 0 && (colon == std::string_view::npos || colon + 1 != slashes)) return {};
  std::string_view rest = url.substr(slashes + 2);
  auto end = rest.find_first_of("/?#\\");
  std::string_view authority = rest.substr(0, end);
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') return {};  // an IP literal: no domain to compare
  auto port = authority.find(':');
  authority = authority.substr(0, port);
  std::string host;
  for (char c : authority) host.push_back(lower_ascii(c));
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.size() > 253) return {};
  return host;
}

std::optional<std::string> domain_in_text(std::string_view text) {
  // The first word that looks like a URL or a host name with a dot and a letter top-level label.
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '<' || text[i] == '(' || text[i] == '"')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    std::string_view word = text.substr(start, i - start);
    if (word.find("://") != std::string_view::npos) {
      auto h = host_of(word.substr(word.find_first_not_of("<(\"")));
      if (!h.empty()) return h;
      continue;
    }
    std::string host;
    for (char c : word) {
      if (!is_host_char(static_cast<unsigned char>(c))) break;
      host.push_back(lower_ascii(c));
    }
    while (!host.empty() && host.back() == '.') host.pop_back();
    auto dot = host.rfind('.');
    if (dot == std::string::npos || dot == 0 || host.find("..") != std::string::npos) continue;
    std::string_view tld(host.c_str() + dot + 1);
    // A file name ("report.pdf") is not a domain: the last label must be a country code or a
    // common generic top-level domain, or the word must say it is one ("www.").
    static const std::array<std::string_view, 18> kGeneric = {"com", "net",  "org", "info", "biz",    "gov",
                                                              "edu", "mil",  "int", "io",   "app",    "dev",
                                                              "xyz", "shop", "top", "site", "online", "email"};
    bool letters = tld.size() >= 2 && std::all_of(tld.begin(), tld.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    bool known = tld.size() == 2 || std::find(kGeneric.begin(), kGeneric.end(), tld) != kGeneric.end() ||
                 host.compare(0, 4, "www.") == 0 || host.compare(0, 4, "xn--") == 0 || tld.compare(0, 4, "xn--") == 0;
    if ((letters || tld.compare(0, 4, "xn--") == 0) && known) return host;
  }
  return std::nullopt;
}

bool same_site(std::string_view a, std::string_view b) { return registrable(a) == registrable(b); }

std::optional<std::string> spoofed_host(std::string_view host) {
  for (auto label : labels(host))
    if (auto why = spoofed_label(label)) return why;
  return std::nullopt;
}

}  // namespace sealmail::delivery::filters

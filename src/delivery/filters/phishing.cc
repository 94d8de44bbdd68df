#include "delivery/filters/phishing.h"

#include <algorithm>

#include "delivery/filters/domain_checks.h"
#include "delivery/filters/html_links.h"

namespace sealmail::delivery::filters {

namespace {

bool is_shortener(const std::string& host, const std::vector<std::string>& shorteners) {
  return std::any_of(shorteners.begin(), shorteners.end(), [&](const std::string& s) {
    return host == s || (host.size() > s.size() && host.compare(host.size() - s.size(), s.size(), s) == 0 &&
                         host[host.size() - s.size() - 1] == '.');
  });
}

// URLs written in plain text: "http://" or "https://" up to the next space or bracket.
std::vector<std::string> text_urls(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (out.size() < kMaxLinks) {
    size_t at = text.find("://", pos);
    if (at == std::string::npos) break;
    size_t start = at;
    while (start > 0 &&
           ((text[start - 1] >= 'a' && text[start - 1] <= 'z') || (text[start - 1] >= 'A' && text[start - 1] <= 'Z')))
      --start;
    size_t end = text.find_first_of(" \t\r\n<>\"')]", at);
    if (end == std::string::npos) end = text.size();
    if (start < at) out.push_back(text.substr(start, end - start));
    pos = end;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& default_shorteners() {
  static const std::vector<std::string> list = {
      "bit.ly",  "bitly.com",   "tinyurl.com", "t.co",  "goo.gl", "ow.ly", "is.gd", "buff.ly",   "rebrand.ly",
      "cutt.ly", "shorturl.at", "tiny.cc",     "rb.gy", "t.ly",   "s.id",  "v.gd",  "shorte.st", "bl.ink"};
  return list;
}

std::vector<std::string> phishing_signs(const MessageParts& parts, const std::vector<std::string>& shorteners) {
  bool deceptive = false, spoofed_mixed = false, spoofed_homograph = false, shortener = false, password = false;
  auto check_host = [&](const std::string& host) {
    if (host.empty()) return;
    if (auto why = spoofed_host(host)) (*why == "homograph domain" ? spoofed_homograph : spoofed_mixed) = true;
    if (is_shortener(host, shorteners)) shortener = true;
  };
  for (const auto& part : parts.parts) {
    if (part.content_type == "text/html") {
      auto found = scan_html(part.body);
      if (found.password_fields > 0) password = true;
      for (const auto& link : found.links) {
        std::string target = host_of(link.href);
        check_host(target);
        if (target.empty()) continue;
        if (auto shown = domain_in_text(link.text)) {
          check_host(*shown);
          if (!same_site(*shown, target)) deceptive = true;
        }
      }
    } else if (part.content_type == "text/plain") {
      for (const auto& url : text_urls(part.body)) check_host(host_of(url));
    }
  }
  std::vector<std::string> out;
  if (deceptive) out.push_back("deceptive-link");
  if (spoofed_mixed) out.push_back("mixed-script-domain");
  if (spoofed_homograph) out.push_back("homograph-domain");
  if (shortener) out.push_back("url-shortener");
  if (password) out.push_back("password-form");
  return out;
}

}  // namespace sealmail::delivery::filters

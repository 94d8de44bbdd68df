#include "delivery/filters/content_filter.h"

#include "delivery/filters/executables.h"
#include "delivery/filters/message_parts.h"
#include "delivery/filters/phishing.h"

namespace sealmail::delivery::filters {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

// Header values are one line of printable ASCII (RFC 5322 §2.2).
std::string printable(std::string s) {
  for (auto& c : s)
    if (c < 0x20 || c > 0x7e) c = '?';
  return s;
}

}  // namespace

ContentFilter::ContentFilter(FilterOptions options) : options_(std::move(options)) {
  if (options_.shorteners.empty()) options_.shorteners = default_shorteners();
}

ScanResult ContentFilter::scan(std::string_view message, const Protections& wanted) const {
  ScanResult r;
  r.virus.detail = "off";
  if (wanted.virus && options_.clamd) {
    r.virus = clamd_scan(*options_.clamd, message);
    r.virus_scanned = r.virus.kind != ClamdVerdict::Kind::unavailable;
  } else if (wanted.virus) {
    r.virus.detail = "no clamd configured";
  }
  if (!wanted.executables && wanted.phishing == PhishingAction::off) return r;
  auto parts = message_parts(message);
  if (wanted.executables) {
    r.executables_checked = true;
    for (const auto& part : parts.parts) {
      if ((part.content_type == "text/plain" || part.content_type == "text/html") && part.filename.empty())
        continue;  // a body, not an attachment
      if (auto found = executable_content(part.body, part.filename)) {
        r.executable = found;
        break;
      }
    }
    if (!r.executable && parts.truncated) r.executable = "message too complex to check";
  }
  if (wanted.phishing != PhishingAction::off) {
    r.phishing_checked = true;
    r.phishing = phishing_signs(parts, options_.shorteners);
  }
  return r;
}

FilterDecision ContentFilter::decide_blocking(directory::Directory& directory,
                                              const std::vector<directory::Alias>& aliases, std::string_view message) {
  FilterDecision d;
  if (aliases.empty()) return d;
  // Each alias's protections; the union decides what is scanned.
  std::vector<Protections> chosen;
  Protections wanted{false, false, PhishingAction::off};
  bool any_refuse_phishing = false;
  for (const auto& alias : aliases) {
    auto domain_settings = directory.domain_protections(alias.domain_id);
    auto alias_settings = directory.alias_protections(alias.id);
    if (!domain_settings || !alias_settings) {
      d.refuse = smtp::Reply{451, "4.3.0", "Temporary lookup failure"};
      return d;
    }
    Protections p = effective(*domain_settings, *alias_settings);
    wanted.virus = wanted.virus || p.virus;
    wanted.executables = wanted.executables || p.executables;
    if (p.phishing != PhishingAction::off && wanted.phishing == PhishingAction::off) wanted.phishing = p.phishing;
    any_refuse_phishing = any_refuse_phishing || p.phishing == PhishingAction::refuse;
    chosen.push_back(p);
  }
  if (!wanted.virus && !wanted.executables && wanted.phishing == PhishingAction::off) return d;

  ScanResult r = scan(message, wanted);
  if (r.virus.kind == ClamdVerdict::Kind::infected) {
    d.refuse = smtp::Reply{554, "5.7.1", "Message refused: virus found (" + r.virus.detail + ")"};
    return d;
  }
  if (wanted.virus && r.virus.kind == ClamdVerdict::Kind::unavailable && options_.clamd &&
      options_.defer_when_clamd_unavailable) {
    d.refuse = smtp::Reply{451, "4.7.1", "Virus scanner unavailable, try again later"};
    return d;
  }
  if (r.executable) {
    d.refuse = smtp::Reply{554, "5.7.1", "Message refused: attachment is " + *r.executable};
    return d;
  }
  if (!r.phishing.empty() && any_refuse_phishing) {
    d.refuse = smtp::Reply{554, "5.7.1", "Message refused: phishing (" + join(r.phishing) + ")"};
    return d;
  }

  std::string value;
  if (!wanted.virus)
    value += "virus=off";
  else if (r.virus_scanned)
    value += "virus=clean";
  else
    value += "virus=unscanned (" + r.virus.detail + ")";
  value += wanted.executables ? "; executables=none" : "; executables=off";
  if (wanted.phishing == PhishingAction::off)
    value += "; phishing=off";
  else if (r.phishing.empty())
    value += "; phishing=none";
  else
    value += "; phishing=" + join(r.phishing);
  if (!r.phishing.empty()) {
    for (size_t i = 0; i < aliases.size(); ++i)
      if (chosen[i].phishing == PhishingAction::junk && aliases[i].has_mailbox)
        d.junk_mailboxes.insert(aliases[i].mailbox_id);
    if (!d.junk_mailboxes.empty()) value += "; junk";
  }
  d.header = "X-Sealmail-Scan: " + printable(value) + "\r\n";
  return d;
}

}  // namespace sealmail::delivery::filters

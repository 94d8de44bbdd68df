#include "delivery/filters/settings.h"

#include <cstdio>
#include <cstdlib>

namespace sealmail::delivery::filters {

namespace {

std::optional<bool> on_off(std::string_view v) {
  if (v == "on") return true;
  if (v == "off") return false;
  return std::nullopt;
}

std::optional<PhishingAction> phishing_action(std::string_view v) {
  if (v == "refuse") return PhishingAction::refuse;
  if (v == "junk") return PhishingAction::junk;
  if (v == "off") return PhishingAction::off;
  return std::nullopt;
}

// "0.9", "1", "0.75": a decimal from 0 to 1.
std::optional<double> threshold(std::string_view v) {
  if (v.empty() || v.size() > 8 || v.find_first_not_of("0123456789.") != std::string_view::npos) return std::nullopt;
  std::string text(v);
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !(d >= 0.0 && d <= 1.0)) return std::nullopt;
  return d;
}

void overlay(Protections& p, const SettingMap& settings) {
  for (const auto& [name, value] : settings) {
    if (name == "virus") {
      if (auto v = on_off(value)) p.virus = *v;
    } else if (name == "executables") {
      if (auto v = on_off(value)) p.executables = *v;
    } else if (name == "phishing") {
      if (auto v = phishing_action(value)) p.phishing = *v;
    } else if (name == "spam") {
      if (auto v = phishing_action(value)) p.spam = *v;
    } else if (name == "adult") {
      if (auto v = phishing_action(value)) p.adult = *v;
    } else if (name == "junk_threshold") {
      if (auto v = threshold(value)) p.junk_threshold = *v;
    }
  }
}

}  // namespace

Status check_setting(std::string_view name, std::string_view value) {
  // dnsbl, greylist and rspamd are read by delivery/screening/screener.h (issue 9).
  if (name == "virus" || name == "executables" || name == "dnsbl" || name == "greylist" || name == "rspamd") {
    if (on_off(value)) return {};
    return make_error(Errc::invalid_argument, std::string(name) + ": expected on or off");
  }
  if (name == "phishing") {
    if (phishing_action(value)) return {};
    return make_error(Errc::invalid_argument, "phishing: expected refuse, junk or off");
  }
  if (name == "spam" || name == "adult") {
    if (phishing_action(value)) return {};
    return make_error(Errc::invalid_argument, std::string(name) + ": expected refuse, junk or off");
  }
  if (name == "junk_threshold") {
    if (threshold(value)) return {};
    return make_error(Errc::invalid_argument, "junk_threshold: expected a number from 0 to 1");
  }
  return make_error(Errc::invalid_argument,
                    "unknown protection '" + std::string(name) +
                        "' (virus, executables, phishing, dnsbl, greylist, rspamd, spam, adult, junk_threshold)");
}

Protections effective(const SettingMap& domain, const SettingMap& alias) {
  Protections p;
  overlay(p, domain);
  overlay(p, alias);
  return p;
}

std::string format_threshold(double t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", t);
  return buf;
}

const char* to_string(PhishingAction action) {
  switch (action) {
    case PhishingAction::off:
      return "off";
    case PhishingAction::junk:
      return "junk";
    case PhishingAction::refuse:
      return "refuse";
  }
  return "off";
}

std::string describe(const Protections& p) {
  return std::string("virus=") + (p.virus ? "on" : "off") + " executables=" + (p.executables ? "on" : "off") +
         " phishing=" + to_string(p.phishing) + " spam=" + to_string(p.spam) + " adult=" + to_string(p.adult) +
         " junk_threshold=" + format_threshold(p.junk_threshold);
}

}  // namespace sealmail::delivery::filters

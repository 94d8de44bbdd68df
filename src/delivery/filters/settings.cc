#include "delivery/filters/settings.h"

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

void overlay(Protections& p, const SettingMap& settings) {
  for (const auto& [name, value] : settings) {
    if (name == "virus") {
      if (auto v = on_off(value)) p.virus = *v;
    } else if (name == "executables") {
      if (auto v = on_off(value)) p.executables = *v;
    } else if (name == "phishing") {
      if (auto v = phishing_action(value)) p.phishing = *v;
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
  return make_error(Errc::invalid_argument, "unknown protection '" + std::string(name) +
                                                "' (virus, executables, phishing, dnsbl, greylist, rspamd)");
}

Protections effective(const SettingMap& domain, const SettingMap& alias) {
  Protections p;
  overlay(p, domain);
  overlay(p, alias);
  return p;
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
         " phishing=" + to_string(p.phishing);
}

}  // namespace sealmail::delivery::filters

// Content protections chosen per domain and per alias (issue 9, DESIGN.md point 8). The directory
// keeps them as name = value pairs (directory.h: *_protections); what an alias leaves unset it
// takes from its domain, and what the domain leaves unset is the default: every protection on,
// phishing to Junk.
//
//   virus        on | off     ClamAV (clamd INSTREAM)
//   executables  on | off     executables, scripts, installers, archives or macro documents with one
//   phishing     refuse | junk | off
//   dnsbl, greylist, rspamd   on | off   (read by delivery/screening/screener.h)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sealmail::delivery::filters {

enum class PhishingAction { off, junk, refuse };

struct Protections {
  bool virus = true;
  bool executables = true;
  PhishingAction phishing = PhishingAction::junk;
};

using SettingMap = std::map<std::string, std::string>;

// The names and values accepted (the CLI and the admin API check with it before storing).
Status check_setting(std::string_view name, std::string_view value);
// The defaults overlaid with the domain's settings, then the alias's. Unknown names or values
// (written by a newer sealmail) are ignored: the default stays.
Protections effective(const SettingMap& domain, const SettingMap& alias);
const char* to_string(PhishingAction action);
// "virus=on executables=on phishing=junk"
std::string describe(const Protections& p);

}  // namespace sealmail::delivery::filters

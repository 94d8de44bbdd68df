// Content protections chosen per domain and per alias (issue 9, DESIGN.md point 8). The directory
// keeps them as name = value pairs (directory.h: *_protections); what an alias leaves unset it
// takes from its domain, and what the domain leaves unset is the default: every protection on,
// phishing to Junk.
//
//   virus        on | off     ClamAV (clamd INSTREAM)
//   executables  on | off     executables, scripts, installers, archives or macro documents with one
//   phishing     refuse | junk | off
//   dnsbl, greylist, rspamd   on | off   (read by delivery/screening/screener.h)
//   spam         refuse | junk | off    the junk classifier's spam score (classify/, spam_filter.h)
//   adult        refuse | junk | off    its adult score (when the server's model knows adult mail)
//   junk_threshold  0.0 .. 1.0         the score from which mail is junk (default 0.9)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sealmail::delivery::filters {

enum class PhishingAction { off, junk, refuse };
using JunkAction = PhishingAction;  // spam and adult: the same three choices

struct Protections {
  bool virus = true;
  bool executables = true;
  PhishingAction phishing = PhishingAction::junk;
  JunkAction spam = JunkAction::junk;
  JunkAction adult = JunkAction::junk;
  double junk_threshold = 0.9;
};

using SettingMap = std::map<std::string, std::string>;

// The names and values accepted (the CLI and the admin API check with it before storing).
Status check_setting(std::string_view name, std::string_view value);
// The defaults overlaid with the domain's settings, then the alias's. Unknown names or values
// (written by a newer sealmail) are ignored: the default stays.
Protections effective(const SettingMap& domain, const SettingMap& alias);
const char* to_string(PhishingAction action);
std::string format_threshold(double threshold);  // "0.90"
// "virus=on executables=on phishing=junk spam=junk adult=junk junk_threshold=0.90"
std::string describe(const Protections& p);

}  // namespace sealmail::delivery::filters

// The [dnsbl], [greylist] and [rspamd] tables of config.toml (issue 9), read here rather than in
// core/config.h (as [backup] and [openpgp] are). Every key is optional; without the tables nothing
// here runs: no zones, greylisting off, no rspamd. An unknown key or a bad value is one error
// naming it, and stops `serve` at start.
//
//   [dnsbl]
//   zones = ["zen.example", { name = "bl.example", action = "junk", answers = ["127.0.0.2-127.0.0.11"] }]
//   check_private_clients = false   # tests only: look up loopback and private clients too
//
//   [greylist]
//   enabled = false
//   delay_seconds = 300             # postgrey's --delay
//   retry_window_days = 2           # a first retry later than this starts over (postgrey's --retry-window)
//   max_age_days = 35               # a passed triplet unseen for this long is forgotten (--max-age)
//   clock_file = ""                 # tests only: a file holding the Unix time to use
//   check_private_clients = false   # tests only
//
//   [rspamd]
//   url = "http://127.0.0.1:11333"  # "" (the default): no rspamd
//   timeout_ms = 10000
//   unavailable = "defer"           # or "accept": rspamd down, slow or confused
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "delivery/screening/dnsbl_zone.h"

namespace sealmail::delivery::screening {

struct DnsblConfig {
  std::vector<DnsblZone> zones;
  bool check_private_clients = false;
};

struct GreylistConfig {
  bool enabled = false;
  uint32_t delay_seconds = 300;
  uint32_t retry_window_days = 2;
  uint32_t max_age_days = 35;
  std::filesystem::path clock_file;
  bool check_private_clients = false;
};

struct RspamdConfig {
  std::string url;  // base URL; "" is off
  uint32_t timeout_ms = 10000;
  bool defer_when_unavailable = true;
};

struct ScreeningConfig {
  DnsblConfig dnsbl;
  GreylistConfig greylist;
  RspamdConfig rspamd;
  bool any() const { return !dnsbl.zones.empty() || greylist.enabled || !rspamd.url.empty(); }
};

Result<ScreeningConfig> load_screening_config(const std::optional<std::filesystem::path>& file);
// The same from TOML text (tests).
Result<ScreeningConfig> parse_screening_config(std::string_view toml_text);

}  // namespace sealmail::delivery::screening

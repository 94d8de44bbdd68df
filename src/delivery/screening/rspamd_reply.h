// The answer of rspamd's /checkv2 (rspamd's HTTP protocol, "protocol.html" of its documentation):
// a JSON object with "action", "score", "required_score" and "symbols" (an object keyed by symbol
// name). Read with nlohmann::json; no I/O; fuzzed (fuzz/screening).
//
// The actions and what sealmail makes of them:
//   "reject"                              refuse (554 5.7.1)
//   "soft reject", "greylist"             defer (451 4.7.1)
//   "add header", "rewrite subject"       junk (to the Junk folder)
//   "no action"                           deliver
// An unknown action is an error (the caller treats rspamd as unavailable). Only symbol names are
// kept (they say why, and hold no content); at most 32 of them, each at most 64 printable octets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sealmail::delivery::screening {

enum class RspamdAction { deliver, junk, defer, refuse };

struct RspamdVerdict {
  RspamdAction action = RspamdAction::deliver;
  std::string action_name;  // as rspamd said it, e.g. "add header"
  double score = 0, required_score = 0;
  std::vector<std::string> symbols;  // names only, sorted
};

// Refuses replies over 1 MiB, non-objects, a missing or unknown action, and non-numeric scores.
Result<RspamdVerdict> parse_rspamd_reply(std::string_view body);
// "add header (score 7.50/15.00; symbols GTUBE,R_SPF_FAIL)", printable ASCII.
std::string describe(const RspamdVerdict& verdict);

}  // namespace sealmail::delivery::screening

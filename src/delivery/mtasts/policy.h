// MTA-STS (RFC 8461) text formats, parsed without I/O: the TXT record at _mta-sts.<domain> (§3.1)
// and the policy file served at https://mta-sts.<domain>/.well-known/mta-sts.txt (§3.2), and the
// match of an MX host name against the policy's "mx" patterns (§4.1).
//
// Rules: the parsers take untrusted bytes (DNS answers, an HTTPS body) and never throw; every
// length and count is bounded (kMaxPolicyBytes, kMaxMxPatterns); an unknown key is ignored as the
// RFC asks (§3.1, §3.2), a malformed known one makes the whole record or policy invalid.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::delivery::mtasts {

constexpr size_t kMaxPolicyBytes = 64 * 1024;  // §3.3: "a reasonable maximum size", 64 KiB
constexpr size_t kMaxMxPatterns = 64;
constexpr int64_t kMaxMaxAge = 31557600;  // §3.2: at most one year

// §3.1: "v=STSv1; id=20160831085700Z;": the id tells a sender its cached policy is stale.
struct TxtRecord {
  std::string id;  // 1 to 32 letters and digits
};
// One TXT record's text (its strings concatenated). Empty: not a valid STSv1 record.
std::optional<TxtRecord> parse_txt(std::string_view text);
// §3.1: of the TXT records at _mta-sts.<domain>, those starting "v=STSv1" count; more than one of
// them is as none. Records that are not STSv1 are ignored.
std::optional<TxtRecord> pick_txt(const std::vector<std::string>& records);

enum class Mode { enforce, testing, none };

struct Policy {
  Mode mode = Mode::none;
  int64_t max_age = 0;          // seconds
  std::vector<std::string> mx;  // lower case, no trailing dot; "*.example.net" allowed
};

// §3.2: "key: value" lines ending in CRLF (a bare LF is accepted, as mox and Postfix's resolver do).
// version must be STSv1, mode and max_age are required, mx is required unless mode is none.
std::optional<Policy> parse_policy(std::string_view body);

// §4.1: case-insensitive; "*.example.net" matches exactly one more label ("mx.example.net", not
// "a.b.example.net" nor "example.net"). A trailing dot on the host is ignored.
bool mx_matches(std::string_view pattern, std::string_view host);
bool policy_allows(const Policy& policy, std::string_view host);

std::string_view to_string(Mode mode);

}  // namespace sealmail::delivery::mtasts

// The Authentication-Results header field (RFC 8601): written once in front of a stored message
// with our host name as authserv-id, and the fields of incoming messages that claim our
// authserv-id removed (§5: a forged one would otherwise be read as ours).
//
// The parser reads what §2.2 defines: authserv-id [version] ; resinfo ; ... with resinfo
// "method[/version]=result [reason=...] [ptype.property=value ...]", comments (nested, bounded)
// skipped. It serves the stripping (only the authserv-id is needed there) and is fuzzed. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealmail::delivery::auth {

struct AuthResult {
  std::string method;   // "spf", "dkim", "dmarc", "arc"
  std::string result;   // "pass", "fail", ...
  std::string comment;  // written as "(...)" after the result; never parsed back
  std::vector<std::pair<std::string, std::string>> properties;  // "smtp.mailfrom", "example.org"
};

struct AuthenticationResults {
  std::string authserv_id;
  std::vector<AuthResult> results;  // "none" alone (no checks) is an empty list
};

// The field's value (after "Authentication-Results:"). nullopt: malformed.
std::optional<AuthenticationResults> parse_authentication_results(std::string_view value);

// "Authentication-Results: <id>;\r\n\t<method>=<result> ...;\r\n" (folded, one result a line).
std::string format_authentication_results(const AuthenticationResults& results);
// The same value without the field name and final CRLF (for ARC-Authentication-Results).
std::string format_authentication_results_value(const AuthenticationResults& results);

// `message` (CRLF) without the Authentication-Results fields whose authserv-id equals `ours`
// (case-insensitively), whether they parse or (malformed) only start with it; `removed` counts them.
std::string strip_authentication_results(std::string_view message, std::string_view ours, size_t& removed);

}  // namespace sealmail::delivery::auth

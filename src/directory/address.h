// Names the directory accepts: domains (RFC 1035 §2.3.1 labels, RFC 5890 U-labels kept in UTF-8 as
// given), mailbox addresses (RFC 5321 §4.1.2 dot-atom local parts, RFC 6531 §3.3 UTF-8 local
// parts), alias patterns, webhook URLs, account names and DKIM selectors.
//
// Case: domains are case-insensitive (RFC 5321 §2.4); local parts formally are not, but like most
// providers we treat them case-insensitively so that Hello@ and hello@ are one alias. Only ASCII
// letters are folded: non-ASCII characters are compared as written (no Unicode case folding).
// Quoted local parts ("a b"@example.com) are refused: no mail client needs them for a login name.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "directory/types.h"

namespace sealmail::directory {

std::string ascii_lower(std::string_view s);
bool is_valid_utf8(std::string_view s);

// The domain lowercased (ASCII), without one trailing dot; invalid_argument naming the problem.
Result<std::string> normalize_domain(std::string_view name);

struct Address {
  std::string local;   // as written
  std::string domain;  // normalized
};
// A plain mailbox address local@domain (split at the last '@').
Result<Address> parse_address(std::string_view address);
// Lowercased local part + "@" + normalized domain: the form resolution compares.
Result<std::string> normalize_address(std::string_view address);

// An alias address: "local@domain" (exact), "*@domain" (catch-all) or "/pattern/@domain" (regex,
// RE2 syntax, matched against the whole local part, case-insensitively).
struct AliasPattern {
  AliasKind kind = AliasKind::exact;
  std::string local_key;  // exact: lowercased local part; catch_all: "*"; regex: the pattern
  std::string domain;     // normalized
};
Result<AliasPattern> parse_alias_address(std::string_view address);

// The pattern compiles with RE2 under the options resolution uses.
Status validate_regex(std::string_view pattern);
// True when `local` (any case) is wholly matched by `pattern`; false for a pattern that does not compile.
bool regex_matches(std::string_view pattern, std::string_view local);

// http:// or https:// with a host, no white space or control characters, at most 2048 bytes.
Status validate_webhook_url(std::string_view url);
// 1-64 characters: letters, digits and . _ - + @
Status validate_account_name(std::string_view name);
// Empty, or DNS labels of letters, digits and '-' (RFC 6376 §3.1), at most 63 bytes.
Status validate_dkim_selector(std::string_view selector);

}  // namespace sealmail::directory

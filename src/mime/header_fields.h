// Reading header fields of a raw message (RFC 5322 §2.2, §3.6) without parsing the whole message:
// what submission needs to check the From field against the login and to see whether Date and
// Message-ID are there. The header section ends at the first empty line (CRLF or bare LF line
// ends are both read); folded values are unfolded (§2.2.3); names compare case-insensitively.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::mime {

// Every value of the fields called `name`, unfolded, leading and trailing white space removed,
// in message order. A line of the header section that is neither a field nor a continuation
// ends the header section there (as GMime and most readers do).
std::vector<std::string> header_field_values(std::string_view message, std::string_view name);

// The addr-specs of an address-list (RFC 5322 §3.4), group members included, as written
// (local@domain); none when the value does not parse as a list of addresses or any entry lacks a
// domain. Parsed by GMime.
std::optional<std::vector<std::string>> address_list(std::string_view value);

}  // namespace sealmail::mime

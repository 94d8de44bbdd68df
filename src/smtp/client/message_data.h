// The DATA stage as the client writes it (RFC 5321 §4.1.1.4, §4.5.2) and what the message needs
// from the server's extensions.
//
// Rules this module keeps:
// - A message whose lines all end in CRLF is sent byte-exact: only dot-stuffing is added, and the
//   receiver's dot-unstuffing gives back the same bytes.
// - A bare LF or a bare CR is turned into CRLF for sending (RFC 5321 §2.3.8 allows no other line
//   ending). Passing them on would let a sender hide a second message behind "\n.\n" or "\r.\r"
//   for a downstream server that ends DATA on them (SMTP smuggling); normalising removes any
//   ambiguity about where the message ends.
// - The result always ends with CRLF "." CRLF, and no line inside it is a lone ".".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealmail::smtp::client {

// The bytes to write after the 354 reply, terminator included.
std::string encode_data(std::string_view message);

// Whether the message has any byte with the high bit set (BODY=8BITMIME, RFC 6152).
bool has_8bit(std::string_view message);
// Whether the header section has any byte with the high bit set (UTF-8 headers need SMTPUTF8,
// RFC 6532 §3.7).
bool headers_have_8bit(std::string_view message);
// Whether an envelope address has a non-ASCII byte (SMTPUTF8 is required, RFC 6531 §3.4).
bool needs_smtputf8(std::string_view mail_from, const std::vector<std::string>& recipients);

}  // namespace sealmail::smtp::client

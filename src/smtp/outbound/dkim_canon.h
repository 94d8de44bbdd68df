// DKIM canonicalization (RFC 6376 §3.4): the "relaxed" header and body algorithms, and the split of a
// message into header fields and body that signing needs. No I/O, no crypto.
//
// Rules this module keeps:
// - Line endings are those the SMTP client will send (message_data.h: a bare CR or LF becomes
//   CRLF), so a signature is computed over the bytes the receiver will verify; callers normalise
//   with normalize_line_endings() before splitting.
// - Relaxed header (§3.4.2): name lower-cased, folding removed, runs of WSP made one SP, WSP at the
//   end of the value and around the colon removed. Relaxed body (§3.4.4): WSP at line ends removed,
//   runs of WSP inside a line made one SP, empty lines at the end removed, and a non-empty body
//   ends with CRLF; an empty body stays empty.
// - A header section that is not RFC 5322 (a line without a colon, a continuation before any
//   field, a name with bytes outside 33..126) is an error, never guessed at.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sealmail::smtp::outbound {

// Every bare CR and bare LF becomes CRLF (the same rule as smtp::client::encode_data).
std::string normalize_line_endings(std::string_view message);

struct HeaderField {
  std::string_view name;  // as written, without the WSP that may precede the colon
  std::string_view raw;   // the whole field from its name to the end of its last line, CRLF excluded
};

struct SplitMessage {
  std::vector<HeaderField> headers;  // in message order
  std::string_view body;             // after the empty line; empty when there is none
};

// `message` must use CRLF line endings. The views point into it.
Result<SplitMessage> split_message(std::string_view message);

// "name:value" of one field in relaxed form, without CRLF.
std::string relaxed_header(std::string_view raw_field);

// The relaxed form of a body (CRLF line endings).
std::string relaxed_body(std::string_view body);

}  // namespace sealmail::smtp::outbound

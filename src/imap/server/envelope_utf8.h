// ENVELOPE for a client that enabled UTF8=ACCEPT (RFC 6855 §3, §4): the store keeps one ENVELOPE
// per message as wire text, written for every client (header text as it was written, and
// display names with 8-bit characters as RFC 2047 encoded words). A UTF8=ACCEPT client is given
// the subject and the display names (and group names) as UTF-8 instead, encoded words decoded;
// dates, mailbox and host parts and message ids are passed through untouched.
// No I/O: a pure function, unit-tested on its own (tests/imap/envelope_utf8_test.cc).
#pragma once

#include <string>
#include <string_view>

namespace sealmail::imap {

// `envelope` as the store keeps it ("(date subject (addr ...) ...)"); returned unchanged when it
// cannot be read as an ENVELOPE (never expected: the store wrote it).
std::string envelope_for_utf8(std::string_view envelope);

// A BODYSTRUCTURE (or BODY) as the store keeps it, with the ENVELOPE of every message/rfc822 part
// in it (RFC 9051 §7.5.2 body-type-msg) given as envelope_for_utf8() does. Returned unchanged
// when it cannot be read.
std::string bodystructure_for_utf8(std::string_view bodystructure);

}  // namespace sealmail::imap

// Writing IMAP response pieces byte-exact (RFC 9051 §7 and §9 formal syntax; RFC 3501 the same
// where not noted). Rules kept here:
//   - a string goes out as a quoted string when every byte is a 7-bit TEXT-CHAR other than a
//     control character and it is short (quoted = DQUOTE *QUOTED-CHAR DQUOTE, "\" and DQUOTE
//     escaped); otherwise as a literal "{n}\r\n" + bytes (a server never sends literal+);
//     with utf8 = true (the session ENABLEd UTF8=ACCEPT or IMAP4rev2) valid UTF-8 may be quoted
//     (RFC 9051 §9 "quoted-specials" and QUOTED-CHAR /= UTF8-2..4; RFC 6855 §3);
//   - astrings use an atom when the grammar allows (ASTRING-CHAR, not "NIL"), else a string;
//   - sequence sets are written compact and sorted ("1:3,7"), as UIDPLUS's COPYUID and ESEARCH
//     expect (RFC 4315 §3, RFC 4731 §3.1);
//   - date-time is "dd-Mon-yyyy hh:mm:ss +zzzz" with the day padded by a space
//     (RFC 9051 §9: date-day-fixed = (SP DIGIT) / 2DIGIT), in double quotes;
//   - response text never contains CR or LF (they are replaced by spaces).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "imap/protocol/command.h"
#include "imap/protocol/sequence_set.h"

namespace sealmail::imap {

// "text" (escaped) or {n}\r\ntext.
std::string quote_or_literal(std::string_view value, bool utf8 = false);
void append_string(std::string& out, std::string_view value, bool utf8 = false);
// nullopt -> NIL.
std::string nstring(std::optional<std::string_view> value, bool utf8 = false);
// An atom when possible (mailbox names, ...), else quote_or_literal().
std::string astring(std::string_view value, bool utf8 = false);

// Compact form of numbers (any order, duplicates allowed): {1,2,3,7} -> "1:3,7"; "" when empty.
std::string format_sequence_set(std::span<const uint32_t> numbers);
std::string format_sequence_set(const std::vector<Interval>& intervals);
// As the client may have written it: ranges in order, 0 as "*", "$".
std::string format_sequence_set(const SequenceSet& set);

// "(\Seen $Junk)".
std::string format_flags(std::span<const std::string> flags);

// "\"17-Jul-1996 02:44:25 -0700\"" for a Unix time shown in the zone `offset_minutes` east of UTC.
std::string format_internal_date(int64_t unix_seconds, int offset_minutes = 0);

// date-time "dd-Mon-yyyy hh:mm:ss +zzzz" (without the quotes; "d-" with a space or one digit is
// accepted) -> Unix seconds. nullopt when malformed or out of range (years 1900..9999).
std::optional<int64_t> parse_date_time(std::string_view text);

// date "d-Mon-yyyy" (search keys) -> "YYYY-MM-DD". nullopt when malformed.
std::optional<std::string> parse_date(std::string_view text);

// The name a FETCH response gives an item: "BODY[1.HEADER.FIELDS (From To)]<0>", "UID",
// "BINARY.SIZE[2]", ... (RFC 9051 §7.5.2: the section is echoed, the partial keeps only its
// origin; BODY.PEEK answers as BODY, BINARY.PEEK as BINARY).
std::string fetch_item_name(const FetchItem& item);

// "1.2.HEADER.FIELDS (A B)" (inside the brackets).
std::string format_section(const Section& section);

// The STATUS item's name: "MESSAGES", "HIGHESTMODSEQ", ...
std::string_view status_item_name(StatusItem item);

// Response text made safe for a line: CR and LF become spaces.
std::string response_text(std::string_view text);

// "tag OK [code] text\r\n" and friends; code without brackets, empty for none; tag empty -> "*".
std::string status_response(std::string_view tag, std::string_view status, std::string_view code,
                            std::string_view text);

}  // namespace sealmail::imap

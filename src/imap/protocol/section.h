// BODY[section] and BINARY[section] contents (RFC 3501 §6.4.5, RFC 9051 §6.4.5, RFC 3516 BINARY)
// computed over the raw message bytes by a small MIME walker (RFC 2045/2046 boundaries, RFC 5322
// headers). Rules kept here:
//   - the result of extract_section() is a view into the given message: byte-exact, no transform;
//   - part numbers count the body parts of a multipart from 1; for a message/rfc822 part, the
//     next number addresses the parts of the encapsulated message; part 1 of a non-multipart
//     message (or of a non-multipart encapsulated message) is its body (RFC 9051 §6.4.5);
//   - HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT and TEXT apply to the message itself (empty part
//     list) or to a message/rfc822 part; MIME applies to a numbered part and is its MIME header;
//     header results end with the blank line that terminates the header (RFC 9051 §6.4.5:
//     "the blank line between the header and the body is included"), HEADER.FIELDS gives the
//     matching lines (with their continuations) in message order, names compared
//     case-insensitively, then that blank line;
//   - a section that does not exist gives nullopt (the server answers NIL or ""), never a crash:
//     any input, however malformed, is walked within its bounds; partial <o.n> is the server's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sealmail::imap {

struct Section {
  enum class Specifier { none, header, header_fields, header_fields_not, text, mime };
  std::vector<uint32_t> part;  // "1.2.3" -> {1, 2, 3}; empty: the whole message
  Specifier specifier = Specifier::none;
  std::vector<std::string> fields;  // HEADER.FIELDS[.NOT] names, as the client wrote them
  bool operator==(const Section&) const = default;
};

// The bytes BODY[section] returns: a view into the message, or for HEADER.FIELDS[.NOT] the
// picked lines (their bytes, concatenated, then CRLF). Valid while the message's bytes are.
struct SectionBytes {
  std::string_view view;
  std::optional<std::string> owned;
  std::string_view bytes() const { return owned ? std::string_view(*owned) : view; }
};
std::optional<SectionBytes> extract_section(std::string_view message, const Section& section);

// BINARY[section] (RFC 3516 §4.2): the part's body with its Content-Transfer-Encoding undone.
// Only a part number list is allowed (the parser refuses specifiers). The errors: the part does
// not exist, or its encoding is not one of 7bit, 8bit, binary, base64, quoted-printable
// (the server answers NO [UNKNOWN-CTE], RFC 3516 §4.3).
enum class BinaryError { no_such_part, unknown_cte };
std::variant<std::string, BinaryError> extract_binary(std::string_view message, const Section& section);

}  // namespace sealmail::imap

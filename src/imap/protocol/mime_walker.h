// Internal: a minimal MIME walker over raw message bytes for section.cc. It only finds byte
// ranges: where an entity's header ends (RFC 5322 §2.1: the first empty line), its Content-Type
// and Content-Transfer-Encoding (RFC 2045 §5, §6), and the body parts of a multipart between its
// boundary delimiter lines (RFC 2046 §5.1.1: the line break before a delimiter belongs to the
// delimiter; a delimiter line is "--" boundary, or "--" boundary "--" for the last, followed only
// by optional white space). It never copies and never reads outside the given range; malformed
// input gives odd ranges, never a crash.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::imap::detail {

struct Entity {
  std::string_view header;  // the header lines with the blank line that ends them (if any)
  std::string_view body;
  std::string type = "text";  // lower case
  std::string subtype = "plain";
  std::string boundary;  // for multipart
  std::string encoding;  // Content-Transfer-Encoding, lower case, "" when absent

  bool is_multipart() const { return type == "multipart" && !boundary.empty(); }
  // RFC 2046 §5.2.1 message/rfc822, and RFC 6532 §3.7 message/global: an encapsulated message.
  bool is_message() const { return type == "message" && (subtype == "rfc822" || subtype == "global"); }
};

// Parses the entity spanning `bytes`. `digest` makes the default type message/rfc822 (RFC 2046
// §5.1.5: the parts of a multipart/digest).
Entity parse_entity(std::string_view bytes, bool digest = false);

// The body parts of a multipart entity, in order (preamble and epilogue excluded).
std::vector<std::string_view> body_parts(const Entity& multipart);

// The header's fields, each with its continuation lines and line end, in order.
std::vector<std::string_view> header_fields(std::string_view header);

// The field's name ("Content-Type" for "Content-Type: text/plain\r\n"), without trailing blanks;
// empty when the line has no colon.
std::string_view field_name(std::string_view field);

}  // namespace sealmail::imap::detail

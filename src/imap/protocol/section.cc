// BODY[section] and BINARY[section] (section.h), over the MIME walker.
#include "imap/protocol/section.h"

#include "imap/protocol/mime_walker.h"
#include "imap/protocol/reader.h"
#include "imap/protocol/transfer_encoding.h"

namespace sealmail::imap {

namespace {

using detail::Entity;
using detail::parse_entity;

// Follows the part numbers (RFC 9051 §6.4.5). `root` tells that `cur` is a message (the whole
// one or an encapsulated one) rather than a body part: a message that is not multipart has a
// part 1, itself; a body part of type message/rfc822 is entered before its numbers are counted.
std::optional<Entity> resolve(std::string_view message, const std::vector<uint32_t>& path) {
  Entity cur = parse_entity(message);
  bool root = true;
  bool digest = false;  // cur is a multipart/digest: its parts default to message/rfc822
  for (uint32_t n : path) {
    if (!root && cur.is_message()) {
      cur = parse_entity(cur.body);
      root = true;
    }
    if (cur.is_multipart()) {
      digest = cur.subtype == "digest";
      std::vector<std::string_view> parts = detail::body_parts(cur);
      if (n == 0 || n > parts.size()) return std::nullopt;
      cur = parse_entity(parts[n - 1], digest);
      root = false;
    } else if (root) {
      if (n != 1) return std::nullopt;
      root = false;  // part 1 of a non-multipart message: the message's own body
    } else {
      return std::nullopt;  // a leaf part has no sub-parts
    }
  }
  return cur;
}

std::string header_fields(std::string_view header, const std::vector<std::string>& names, bool negate) {
  std::string out;
  for (std::string_view field : detail::header_fields(header)) {
    std::string_view name = detail::field_name(field);
    bool listed = false;
    for (const std::string& n : names) {
      if (detail::iequals(name, n)) {
        listed = true;
        break;
      }
    }
    if (listed != negate && !name.empty()) {
      out.append(field);
      // A last field without a line end (a header cut short) still gets one, so that the blank
      // line below is a line of its own.
      if (field.back() != '\n') out += "\r\n";
    }
  }
  out += "\r\n";  // RFC 9051 §6.4.5: the blank line that ends the header is included
  return out;
}

}  // namespace

std::optional<SectionBytes> extract_section(std::string_view message, const Section& section) {
  using S = Section::Specifier;
  auto cur = resolve(message, section.part);
  if (!cur) return std::nullopt;
  switch (section.specifier) {
    case S::none:
      if (section.part.empty()) return SectionBytes{message, std::nullopt};
      return SectionBytes{cur->body, std::nullopt};
    case S::mime:
      if (section.part.empty()) return std::nullopt;
      return SectionBytes{cur->header, std::nullopt};
    case S::header:
    case S::header_fields:
    case S::header_fields_not:
    case S::text:
      break;
  }
  // HEADER, TEXT and HEADER.FIELDS[.NOT] address a message: the whole one, or a message/rfc822 part.
  Entity msg;
  if (section.part.empty()) {
    msg = *cur;
  } else if (cur->is_message()) {
    msg = parse_entity(cur->body);
  } else {
    return std::nullopt;
  }
  switch (section.specifier) {
    case S::header:
      return SectionBytes{msg.header, std::nullopt};
    case S::text:
      return SectionBytes{msg.body, std::nullopt};
    case S::header_fields:
      return SectionBytes{{}, header_fields(msg.header, section.fields, false)};
    case S::header_fields_not:
      return SectionBytes{{}, header_fields(msg.header, section.fields, true)};
    default:
      return std::nullopt;
  }
}

std::variant<std::string, BinaryError> extract_binary(std::string_view message, const Section& section) {
  if (section.specifier != Section::Specifier::none) return BinaryError::no_such_part;
  // BINARY[] is the message itself: a message as a whole has no transfer encoding to undo.
  if (section.part.empty()) return std::string(message);
  auto cur = resolve(message, section.part);
  if (!cur) return BinaryError::no_such_part;
  auto decoded = decode_transfer_encoding(cur->encoding, cur->body);
  if (!decoded) return BinaryError::unknown_cte;
  return std::move(*decoded);
}

}  // namespace sealmail::imap

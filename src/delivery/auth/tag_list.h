// Tag=value lists (RFC 6376 §3.2), the syntax of DKIM-Signature fields, DKIM key records, ARC
// fields (RFC 8617 §4.1) and DMARC records (RFC 7489 §6.4). No I/O.
//
// Rules this parser keeps:
// - Tag names are ALPHA *(ALPHA / DIGIT / "_"), compared case-sensitively as the RFC says; a tag
//   that appears twice makes the whole list invalid (§3.2 "MUST be treated as an error").
// - Values are returned with surrounding whitespace (FWS) trimmed; `value_begin`/`value_end` are
//   the offsets of everything between '=' and ';' in the input, so that a verifier can blank the
//   b= value of the very text it was given (§3.7).
// - A trailing ';' is allowed; an empty list is valid; bytes outside the grammar are an error.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace sealmail::delivery::auth {

struct Tag {
  std::string_view name;
  std::string_view value;  // trimmed of FWS on both sides; may still hold inner FWS
  size_t value_begin = 0;  // offsets into the parsed text of the untrimmed value
  size_t value_end = 0;
};

struct TagList {
  std::vector<Tag> tags;
  const Tag* find(std::string_view name) const;
};

// nullopt: not a valid tag list. The views point into `text`.
std::optional<TagList> parse_tag_list(std::string_view text);

// `value` without any whitespace (FWS inside base64 values and h= lists).
std::string strip_whitespace(std::string_view value);

}  // namespace sealmail::delivery::auth

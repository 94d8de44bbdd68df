// Responses of an IMAP server as a client reads them (RFC 9051 §7, RFC 3501 §7): framing (a line,
// with literals "{N}\r\n" and their N bytes inside it) and a lenient parse into values. No I/O:
// the client feeds what it has read and asks for the next whole response, so that this is fuzzed
// on its own (fuzz/imap/fuzz_imap_client_response.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace sealmail::imap::client {

// One value of a response: an atom (a number, a flag such as "\Seen", "BODY[]"), a string (quoted
// or literal, bytes as sent), NIL, or a parenthesised list.
struct Value {
  enum class Kind { atom, string, nil, list };
  Kind kind = Kind::atom;
  std::string text;          // atom or string
  std::vector<Value> items;  // list

  bool is_atom(std::string_view word) const;  // case-insensitive
  std::optional<uint64_t> number() const;     // an atom of digits that fits
};

struct Response {
  // "*" untagged, "+" continuation, else the command's tag.
  std::string tag;
  // Status responses (OK, NO, BAD, BYE, PREAUTH), upper-cased; empty for data responses.
  std::string status;
  // Status responses: the rest of the line ("[UIDVALIDITY 3] Ok"); continuations: their text.
  std::string text;
  // Data responses: the values after the tag ("3 EXISTS" -> 3, EXISTS; "LIST (...) "/" name").
  std::vector<Value> values;
};

struct ParserLimits {
  size_t max_literal = 80u << 20;  // one message, a little above the import's own limit
  size_t max_text = 1u << 20;      // the response's bytes outside literals
  size_t max_depth = 32;           // list nesting
};

// What the buffer holds: a whole response and how many bytes it took, or how many bytes the
// buffer needs at least before trying again (so a large literal is not re-parsed for every read).
struct NeedMore {
  size_t total = 0;
};
using ParseOutcome = std::variant<std::pair<Response, size_t>, NeedMore>;

// Errc::invalid_argument for a response that breaks the grammar or the limits.
Result<ParseOutcome> parse_response(std::string_view buffer, const ParserLimits& limits = {});

// The bracketed code at the start of a status text: "[UIDVALIDITY 3] x" -> "UIDVALIDITY 3".
std::optional<std::string_view> response_code(std::string_view status_text);

}  // namespace sealmail::imap::client

// Parsing one complete command (RFC 9051 §9 formal syntax) from the canonical text the receiver
// builds: the command's lines without line ends, each literal written as its marker ("{n}",
// "{n+}" or "~{n}"), CRLF, then its n bytes. Tests and fuzzers call it directly.
//
// Rules kept here:
//   - atoms are case-insensitive where the grammar has keywords, values are kept as written;
//   - strings: quoted ("\\" and "\"" escapes only; no CR, LF or NUL) or literals; literal8 only
//     where the grammar allows it (APPEND data) and NUL only in literal8 (RFC 3516 §4.4);
//   - the limits on nesting and on the number of arguments are enforced here, as well as the
//     search-key nesting limit, so that recursion is bounded for any input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "imap/protocol/command.h"
#include "imap/protocol/receiver.h"

namespace sealmail::imap {

// Parses a whole command. The result is a Command, or an Error of kind bad or bad_charset.
std::variant<Command, Error> parse_command(std::string_view text, const Limits& limits);

// For the receiver: parses what has arrived of a command whose last line ends with a literal
// marker whose bytes have not come yet. Returns nullopt when the text so far can still be a valid
// command, or the error it already has.
std::optional<Error> check_command_prefix(std::string_view text, const Limits& limits);

// Best effort, for error messages and NeedContinuation: the tag (empty when it is not a valid tag)
// and the upper-case command name ("UID" prefix dropped) at the start of a command's text.
struct CommandHead {
  std::string tag;
  std::string name;
};
CommandHead command_head(std::string_view text);

}  // namespace sealmail::imap

// POP3 commands as values: RFC 1939 (USER, PASS, APOP, QUIT, STAT, LIST, RETR, DELE, NOOP, RSET,
// TOP, UIDL), RFC 2449 (CAPA), RFC 2595 §4 (STLS), RFC 5034 (AUTH), RFC 6856 (UTF8).
//
// parse_command() turns one command line (without its line ending) into a Command or a
// ParseError; the Parser (parser.h) cuts the byte stream into lines and calls it. Rules it keeps:
//   - keywords are case-insensitive (RFC 1939 §3); arguments are separated by exactly one space
//     (RFC 1939 §3, RFC 2449 §3 `*(SP param)`); spaces and tabs at the end of a line are ignored,
//     except after PASS, whose argument is the rest of the line verbatim (RFC 1939 §7: "a POP3
//     server may treat spaces in the argument as part of the password");
//   - control characters (C0, DEL) anywhere in a line are an error: they have no place in a POP3
//     command and a lone CR inside a line usually means a broken client or an injection attempt;
//   - message numbers are decimal digits only (no sign, no space), 1 .. 2^31; TOP's line count is
//     0 .. 2^31, larger counts are clamped (they mean "the whole body" either way);
//   - user names and passwords may be UTF-8 (RFC 6856 §2) and must then be well-formed; whether
//     non-ASCII is allowed in the current state (before the UTF8 command, without "UTF8 USER") is
//     the server's decision: see is_ascii() in utf8.h;
//   - errors never quote the line back: it may hold a password.
//
// Secrets: `password` (PASS) and `initial_response` (AUTH) hold credentials in plain std::string
// so that the server can move them into locked memory (crypto::SecretBuffer) and then wipe the
// strings with wipe_secrets() or sasl::wipe() (core/wipe.h). The parser gives them heap storage from the start
// (capacity beyond the small-string buffer) so that moving a Command moves the pointer and leaves
// no copy of the bytes behind. Never log them, never copy a Command holding them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sealmail::pop3 {

// RFC 1939 §3: messages are numbered from 1. The upper bound keeps every valid number in 32 bits
// with room to spare; no maildrop comes near it.
inline constexpr uint32_t kMaxMessageNumber = uint32_t{1} << 31;

struct Command {
  enum class Verb : uint8_t {
    user,
    pass,
    apop,
    quit,
    stat,
    list,
    retr,
    dele,
    noop,
    rset,
    top,
    uidl,
    capa,
    stls,
    auth,
    utf8
  };

  Verb verb = Verb::noop;
  // LIST and UIDL: set when a message was named. RETR, DELE and TOP: always set.
  std::optional<uint32_t> message;
  // TOP: how many body lines (0 means headers and the blank line only).
  uint32_t lines = 0;
  // USER and APOP: the user name as sent (for sealmail, the full alias address).
  std::string user;
  // PASS: the password, verbatim (may contain spaces). Secret.
  std::string password;
  // APOP: the 32-digit MD5 digest, lowercased (RFC 1939 §7).
  std::string digest;
  // AUTH: the SASL mechanism name, uppercased (RFC 4422 §3.1); empty for a bare "AUTH", which
  // asks for the list of mechanisms (the RFC 1734 form that clients still send).
  std::string mechanism;
  // AUTH: the initial response as sent, still base64; "=" (RFC 5034 §4: a zero-length initial
  // response) is given as an empty string. Secret.
  std::optional<std::string> initial_response;

  // Overwrites and clears `password` and `initial_response`.
  void wipe_secrets();

  bool operator==(const Command&) const = default;
};

// A command the server must answer with "-ERR <text>". Recoverable errors (fatal == false): the
// session goes on and the next line is parsed normally. Fatal ones (a line over the limit): the
// server answers, then closes the connection, because the rest of the stream cannot be trusted
// to start at a command boundary.
struct ParseError {
  std::string text;  // for the client, without "-ERR "; never contains the client's bytes
  bool fatal = false;

  bool operator==(const ParseError&) const = default;
};

// The keyword as on the wire ("RETR"), for logs and errors.
std::string_view to_string(Command::Verb verb);

// Parses one command line. `line` excludes the line ending (CRLF or LF).
std::variant<Command, ParseError> parse_command(std::string_view line);

}  // namespace sealmail::pop3

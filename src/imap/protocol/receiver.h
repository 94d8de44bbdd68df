// The IMAP command receiver: bytes in, commands out (RFC 9051 §2.2, §4.3 literals, RFC 7888
// LITERAL+/LITERAL-, RFC 3516 literal8). No I/O: the server feeds what it read and asks for
// events until NeedMore.
//
// How the server drives it (one receiver per connection):
//   1. feed(bytes) whatever the socket gave;
//   2. loop on next():
//        NeedMore          -> read more from the socket, feed, go on;
//        NeedContinuation  -> a synchronizing literal {n} / ~{n} was announced and fits: write
//                             "+ OK\r\n" (or refuse it: reject_literal(), then answer the tagged
//                             NO yourself), then call next() again;
//        Command           -> run it (see below for IDLE and AUTHENTICATE);
//        Error             -> answer by Error::kind (below) and go on, or close on fatal;
//   3. IDLE (RFC 2177) and AUTHENTICATE (RFC 9051 §6.2.2): after the command, the server reads
//      raw lines with next_line() ("DONE", or each base64 SASL response, "*" to cancel) until it
//      gets one it ends on, then returns to next(). next_line() must not be called while a
//      command is half received; it is between commands (right after next() returned a Command);
//   4. after login call set_limits(Limits::after_login()); after STARTTLS, and after COMPRESS,
//      take_buffered() returns what the client sent beyond the command: after STARTTLS it must be
//      discarded (plaintext injection, RFC 9051 §6.2.1 / CVE-2011-0411); after COMPRESS it is
//      compressed data to inflate and feed back.
//
// Rules kept here:
//   - lines end with CRLF; a bare LF is accepted too (clients and people typing);
//   - an empty line is ignored (some clients send a CRLF after an APPEND literal);
//   - a literal marker counts only at the very end of a line and outside a quoted string;
//   - limits are the constructor's (tighter before login, Dovecot-style): line length (each line
//     between literals, without its CRLF), literal size, total command size (lines + literals),
//     parenthesis nesting, number of arguments;
//   - a synchronizing literal over the limits gives Error::too_big and the receiver forgets the
//     command (the client will not send the literal after our tagged answer, RFC 7888 §4 / RFC
//     9051 §4.3); a non-synchronizing one over the limits is fatal (its bytes are on their way
//     and we will not take them, RFC 7888 §4);
//   - a command whose beginning already cannot parse is refused before its next synchronizing
//     literal (no "+"), so the client does not send data we would throw away;
//   - after a bad command the receiver has skipped all of it (including non-synchronizing
//     literals that follow), so the next command parses normally;
//   - results do not depend on how the bytes were cut into feed() calls (tested byte by byte);
//   - bytes the receiver drops are zeroed (they may hold a LOGIN password).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "imap/protocol/command.h"

namespace sealmail::imap {

struct Limits {
  size_t max_line = 8192;           // bytes of one line between literals, without CRLF
  size_t max_literal = 64 * 1024;   // bytes of one literal
  size_t max_command = 64 * 1024;   // bytes of one command, lines and literals together
  int max_depth = 8;                // parenthesis nesting
  size_t max_arguments = 1000;      // atoms, strings, literals and lists in one command
  int max_search_depth = 100;       // nesting of NOT/OR/() in search keys (clients chain OR)
  bool long_line_is_fatal = false;  // before login: BYE on a line over max_line

  // 40 KiB lines (an RFC 2971 ID of the largest size), 8 KiB literals (LOGIN), 48 KiB commands,
  // long lines are fatal.
  static Limits before_login();
  // 64 KiB lines, 64 MiB literals (APPEND), 70 MiB commands.
  static Limits after_login();
};

struct NeedMore {
  bool operator==(const NeedMore&) const = default;
};

// A synchronizing literal was announced and is within the limits.
struct NeedContinuation {
  std::string tag;
  std::string command;  // upper case, "UID ..." without the prefix
  size_t size = 0;      // bytes announced
  bool binary = false;  // literal8 ~{n}
  bool operator==(const NeedContinuation&) const = default;
};

struct Error {
  enum class Kind {
    bad,          // answer "tag BAD text" ("* BAD" when tag is empty); the session goes on
    bad_charset,  // answer "tag NO [BADCHARSET (UTF-8 US-ASCII)] text" (RFC 9051 §6.4.4)
    too_big,      // a synchronizing literal over the limits: "tag NO [TOOBIG] text" (RFC 7888
                  // §4, RFC 9051 §7.1); the client will not send it
    fatal,        // "* BYE text" and close: a non-synchronizing literal over the limits, or a
                  // line too long while long_line_is_fatal
  };
  std::string tag;  // empty when the line had no usable tag
  std::string text;
  Kind kind = Kind::bad;
  // A SEARCH with RETURN (SAVE) refused with NO (bad_charset): the session must empty "$"
  // (RFC 5182 §2.1), which the command's handler never runs to do.
  bool empties_saved_result = false;
  bool operator==(const Error&) const = default;
};

using Event = std::variant<NeedMore, NeedContinuation, Command, Error>;

// One raw line (IDLE's DONE, a SASL response), without its line end. The text may be a
// credential: wipe it (wipe_string) once used.
struct Line {
  std::string text;
  bool operator==(const Line&) const = default;
};
using LineEvent = std::variant<NeedMore, Line, Error>;

class Receiver {
 public:
  explicit Receiver(Limits limits = Limits::before_login());
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  void set_limits(Limits limits);
  const Limits& limits() const { return limits_; }

  void feed(std::string_view bytes);
  Event next();

  // The next raw line. A line over max_line gives Error (bad, or fatal when long_line_is_fatal)
  // and the rest of that line is skipped.
  LineEvent next_line();

  // After NeedContinuation: the server refuses the literal (it answers the tagged NO itself, for
  // instance [OVERQUOTA] or [TOOBIG] for an APPENDLIMIT); the receiver forgets the command.
  void reject_literal();

  // Bytes received and not yet consumed (all of them, including a command in progress).
  size_t buffered() const;
  // Removes and returns the unconsumed bytes; only meaningful between commands.
  std::string take_buffered();

 private:
  enum class State {
    line,           // reading a line of a command
    literal,        // reading the bytes of an accepted literal
    skip_line,      // dropping the rest of an over-long line
    skip_literal,   // dropping a non-synchronizing literal of a refused command
    skip_raw_line,  // dropping the rest of an over-long line read by next_line()
  };

  struct LineEnd {
    size_t content = 0;   // bytes before CR LF / LF
    size_t consumed = 0;  // including the line end
  };

  std::optional<LineEnd> find_line_end(size_t max, bool* too_long) const;
  Error make_error(Error::Kind kind, std::string text) const;
  void consume(size_t n);
  void reset_command();

  Limits limits_;
  State state_ = State::line;
  std::string buffer_;
  size_t start_ = 0;  // first unconsumed byte of buffer_
  // Bytes after start_ already known to hold no LF: a line that arrives a byte at a time is
  // scanned once, not once per byte.
  mutable size_t scanned_ = 0;

  // The command being received, in canonical form: its lines without line ends, each literal as
  // "{n}\r\n" + bytes (or "~{n}", "{n+}").
  std::string command_;
  std::string tag_;   // of the command being received (for errors)
  std::string name_;  // upper case, for NeedContinuation
  size_t literal_left_ = 0;
  bool continuation_pending_ = false;  // NeedContinuation was returned for the current literal
  bool after_bad_ = false;             // skipping: the rest of this command is dropped
  std::string skip_tail_;              // last bytes of a skipped line (literal marker detection)
};

}  // namespace sealmail::imap

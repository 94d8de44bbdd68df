// The POP3 command receiver: a byte-driven state machine with no I/O (STYLE.md rule 4). The server
// feeds it what it reads from the socket and takes parsed commands until it says NeedMore.
//
// Rules it keeps:
//   - lines end in CRLF (RFC 1939 §3); a bare LF is accepted too, as most servers do, and the CR
//     before the LF is dropped. A CR anywhere else is part of the line (and parse_command rejects
//     it as a control character);
//   - RFC 2449 §4: a command line is at most 255 octets including its CRLF (Limits::max_line).
//     AUTH lines and SASL continuation lines may be longer (Limits::max_auth_line): RFC 5034 §4
//     tells clients to keep an AUTH line with an initial response within 255 octets, but SASL
//     responses sent on their own lines have no such bound, and some clients overstep the first.
//     A line over its limit is a fatal error, reported as soon as the limit is passed (the server
//     answers "-ERR", then closes): there is no way to find the next command boundary safely;
//   - RFC 2449 §6.6 PIPELINING: one feed may carry many commands, and a command may arrive split
//     over many feeds; the answers are the same however the bytes are cut (tested byte by byte);
//   - after a fatal error the parser stays failed: next() and next_line() return the same error,
//     feed() drops its input;
//   - RFC 2595 §4 / RFC 3207 §6 lesson: after STLS succeeds, bytes that arrived in plaintext
//     behind the STLS line must not be taken as commands sent under TLS. The server calls
//     discard_buffered() before starting the TLS handshake (buffered() says whether any were
//     there, which is a protocol violation worth closing the connection for).
//
// Secrets: the buffer holds PASS lines and SASL responses until they are parsed. Every byte of a
// consumed line is overwritten at once, and the buffer's memory is overwritten before it is freed
// or reused, so no password outlives its Command in the parser.
//
// How a session uses it (one Parser per connection):
//   read from the socket -> feed(bytes); then next() until NeedMore, answering in order and
//   gathering the answers of pipelined commands into one write:
//     Command     -> check the verb against the session state (command table), then answer with
//                    response.h (append_ok/append_err, append_dot_stuffed(top_lines(...)) for TOP,
//                    append_capa for CAPA); PASS and AUTH: move the secret into locked memory and
//                    call wipe_secrets();
//     ParseError  -> append_err(text); if fatal, write and close;
//     AUTH PLAIN without an initial response -> append_challenge(out, ""), then next_line()
//                    until it returns the line: cancelled() -> "-ERR", else sasl::decode_sasl_plain()
//                    (core/sasl_plain.h);
//     STLS        -> "+OK", discard_buffered(), then the TLS handshake.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/wipe.h"
#include "pop3/protocol/command.h"

namespace sealmail::pop3 {

struct Limits {
  // RFC 2449 §4: 255 octets including CRLF. Values below 16 are raised to 16.
  size_t max_line = 255;
  // AUTH command lines and SASL continuation lines (RFC 5034 §4); at least max_line.
  size_t max_auth_line = 1024;
};

// No complete line is buffered yet: read more from the socket and feed() it.
struct NeedMore {
  bool operator==(const NeedMore&) const = default;
};

// A SASL continuation line (RFC 5034 §4): the client's base64 response to a "+ " challenge, or
// "*" to cancel the exchange. Secret: sasl::wipe() `text` when done.
struct ContinuationLine {
  std::string text;  // without the line ending
  bool cancelled() const { return text == "*"; }
  bool operator==(const ContinuationLine&) const = default;
};

class Parser {
 public:
  using Event = std::variant<NeedMore, Command, ParseError>;
  using LineEvent = std::variant<NeedMore, ContinuationLine, ParseError>;

  explicit Parser(Limits limits = {});
  ~Parser();
  Parser(Parser&&) noexcept;
  Parser& operator=(Parser&&) noexcept;
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Appends bytes read from the connection. Call next() until NeedMore before feeding more, so
  // that the buffer never holds more than one read plus one partial line.
  void feed(std::string_view bytes);

  // The next command, a recoverable error (answer "-ERR", go on), a fatal one (answer, close),
  // or NeedMore.
  Event next();

  // While a SASL exchange waits for the client's response (after the server sent "+ ..."), the
  // next line is taken raw with this instead of next(): it is not a command.
  LineEvent next_line();

  // Bytes fed but not yet returned as a command or line.
  size_t buffered() const { return buf_.size() - pos_; }
  // Drops (and overwrites) every buffered byte; for STLS, see above.
  void discard_buffered();

  // Changes the limits from the next line on, e.g. to loosen them after login.
  void set_limits(Limits limits);
  const Limits& limits() const { return limits_; }

  bool failed() const { return failed_; }

 private:
  // An allocator that overwrites memory before giving it back, so that buffer growth and
  // destruction leave no secret behind.
  template <typename T>
  struct ZeroingAllocator {
    using value_type = T;
    ZeroingAllocator() = default;
    template <typename U>
    ZeroingAllocator(const ZeroingAllocator<U>&) {}  // NOLINT(google-explicit-constructor)
    T* allocate(size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, size_t n) {
      sasl::wipe_bytes(p, n * sizeof(T));
      std::allocator<T>{}.deallocate(p, n);
    }
    bool operator==(const ZeroingAllocator&) const = default;
  };

  enum class Scan { line, need_more, too_long };
  // Looks for the end of the line starting at pos_, within `limit` bytes.
  Scan scan_line(size_t limit, size_t& length);
  // The line of `length` bytes at pos_, without its CR.
  std::string_view line_at(size_t length) const;
  // Overwrites that line and its ending and moves past them.
  void consume_line(size_t length);
  ParseError too_long();

  Limits limits_;
  std::vector<char, ZeroingAllocator<char>> buf_;
  size_t pos_ = 0;      // start of the first unconsumed line
  size_t scanned_ = 0;  // bytes after pos_ already known to hold no LF
  bool failed_ = false;
};

}  // namespace sealmail::pop3

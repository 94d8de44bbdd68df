// The message after DATA and its 354 (RFC 5321 §4.1.1.4, §4.5.2), with a hard size cap. No I/O:
// the server feeds what it reads and drops the bytes feed() says it consumed; the bytes after the
// end of data are the next commands (RFC 2920 pipelining) and are left alone.
//
// Rules it keeps:
//   - the data ends with CRLF "." CRLF and only that; the start of the data counts as following a
//     CRLF, so ".\r\n" at once is an empty message. The CRLF before the dot belongs to the message;
//   - RFC 5321 §4.5.2 transparency: a "." at the start of a line (after CRLF) is removed;
//   - everything else is kept byte for byte, bare CR and bare LF included (DESIGN.md: a message is
//     returned byte-exact);
//   - SMTP smuggling (SEC Consult, 2023; CVE-2023-51764/51765/51766): a dot alone on a line that is
//     started or ended by a bare LF or a bare CR ("\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r",
//     "\r\n.\r" ...) is not the end here, but other servers have taken each of these as the end of
//     data, so a message holding one could carry a second, forged message past them. It is
//     flagged: the server rejects the whole message (550 5.5.2), as Postfix 3.9 does with
//     smtpd_forbid_bare_newline. The CR forms are flagged too, since some gateways end data on
//     "<CR>.<CR>";
//   - the cap: once the message passes max_bytes its content is dropped and never grows again;
//     reading goes on to the end of data (the bytes are on the wire) and the server answers 552
//     5.3.4 (RFC 5321 §4.5.3.1.10).
//
// The result is independent of how the input is cut into feeds (tested byte by byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sealmail::smtp {

class DataReader {
 public:
  explicit DataReader(uint64_t max_bytes);

  // Consumes bytes of the data and returns how many of `in` it took: all of them, or up to and
  // including the terminating CRLF.CRLF. Once done(), it takes nothing.
  size_t feed(std::string_view in);

  bool done() const { return state_ == State::done; }
  // The message passed max_bytes: its content was dropped; answer 552 5.3.4 when done().
  bool too_big() const { return too_big_; }
  // A dot line next to a bare LF or CR was seen: answer 550 5.5.2 when done().
  bool smuggling() const { return smuggling_; }
  // The message's size after dot-unstuffing, counted on past max_bytes.
  uint64_t size() const { return size_; }
  // The message (empty if too_big()). Call once, when done().
  std::string take();
  // Memory held for the message (its buffer's capacity): at most about twice max_bytes while
  // collecting, and nothing once too_big().
  size_t held_bytes() const { return message_.capacity(); }

 private:
  enum class State : uint8_t {
    text,        // inside a line
    cr,          // after a CR (not yet known to be bare)
    bol,         // at a line start after CRLF (or at the start of the data)
    bol_dot,     // after CRLF "."; the dot is held back (stuffing or the end)
    bol_dot_cr,  // after CRLF "." CR; both held back
    weak_bol,    // after a bare LF or a bare CR: not a line start, but a smuggling risk
    weak_dot,    // after a bare LF/CR and "."
    done,
  };

  // Handles one byte that needs the state machine.
  void step(char c);
  // In State::text: takes the run of ordinary bytes and CRLF-ended lines from `i` on; returns
  // where it stopped (the state is text, or bol after a CRLF).
  size_t scan_text(std::string_view in, size_t i);
  void append(std::string_view bytes);

  uint64_t max_bytes_;
  uint64_t size_ = 0;
  std::string message_;
  State state_ = State::bol;
  bool too_big_ = false;
  bool smuggling_ = false;
};

}  // namespace sealmail::smtp

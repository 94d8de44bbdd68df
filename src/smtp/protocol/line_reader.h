// Cuts the SMTP command stream into lines (RFC 5321 §2.3.8, §4.1.1). No I/O and no buffer of its
// own: the server keeps its input buffer and erases what next() says was consumed.
//
// Rules it keeps:
//   - a line ends with CRLF; a bare LF is tolerated for commands (the CR before the LF is dropped,
//     a CR elsewhere stays in the text, where parse_command refuses it). Message bodies are read by
//     data_reader.h, which does not tolerate bare LF at the end of data;
//   - RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with its CRLF; we take up to
//     `max_line` (default 2048, counting the line ending) because MAIL with many ESMTP parameters
//     (RFC 1869 §4.1.2 allows each extension 'up to 512 more') is longer;
//   - the verdict depends only on the bytes, never on how they were cut into reads: a line is too
//     long as soon as `max_line` bytes are buffered without an LF among them;
//   - RFC 2920 PIPELINING: a buffer may hold many lines; next() returns the first only.
//
// After TooLong the server answers 500 5.5.6 and drops `consumed` bytes: the overlong line with its
// LF if that was buffered, else everything buffered, and it keeps dropping input up to and
// including the next LF (RFC 5321 §4.5.3.1.4 leaves recovery to the server; the rest of the line is
// not a command).
#pragma once

#include <cstddef>
#include <string_view>
#include <variant>

namespace sealmail::smtp {

class LineReader {
 public:
  // RFC 5321 §4.5.3.1.4.
  static constexpr size_t kRfcMaxLine = 512;
  // Values below kMinLine are raised to it, so that "STARTTLS\r\n" always fits.
  static constexpr size_t kMinLine = 16;

  explicit LineReader(size_t max_line = 2048);

  struct Line {
    size_t consumed;        // bytes to drop from the buffer: the text and its line ending
    std::string_view text;  // a view into the buffer, without CRLF/LF
  };
  struct NeedMore {};
  struct TooLong {
    size_t consumed;  // up to and including the LF, or the whole buffer if it holds none
  };

  std::variant<Line, NeedMore, TooLong> next(std::string_view buffer) const;

  size_t max_line() const { return max_line_; }

 private:
  size_t max_line_;
};

}  // namespace sealmail::smtp

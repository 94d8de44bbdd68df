// SMTP replies as the client reads them (RFC 5321 §4.2): "NNN-text" lines followed by one "NNN text"
// line, all with the same code, and the enhanced status code of RFC 3463 (RFC 2034) at the start
// of the text when the server has ENHANCEDSTATUSCODES. No I/O: the session feeds what it read.
//
// Rules: limits are fixed (a line of 4 KiB, 256 lines: RFC 5321 §4.5.3.1.5 allows 512 octets, we
// are lenient but bounded); a malformed reply is an error, never a guess, and the session drops the
// connection (the peer is not speaking SMTP).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealmail::smtp::client {

struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // the text of each line, without "NNN-" and CRLF

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // "5.1.1" when the first line starts with a well-formed enhanced code whose class matches the
  // reply's first digit, else "".
  std::string enhanced() const;
  // "550 5.1.1 text of the first line": for messages to people, never for logs (it may name an
  // address).
  std::string summary() const;
};

// A reply we make up when the peer gave none (connection refused, timeout, ...).
Reply local_reply(int code, std::string text);

class ReplyParser {
 public:
  static constexpr size_t kMaxLine = 4096;
  static constexpr size_t kMaxLines = 256;

  enum class Status { need_more, complete, error };

  // Looks for one complete reply at the start of `buffer`. On `complete`, `out` holds it and
  // `consumed` the number of bytes it took; on `need_more` nothing is taken.
  static Status parse(std::string_view buffer, Reply& out, size_t& consumed);
};

}  // namespace sealmail::smtp::client

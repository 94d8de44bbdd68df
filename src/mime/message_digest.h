// A message as a program receiving it would like to read it (what the webhook JSON carries): the
// header fields in order with their values decoded (RFC 2047), the subject and address lists, the
// first plain-text and HTML bodies decoded to UTF-8, and the attachments decoded from their
// transfer encoding (RFC 2045 §6).
//
// Rules: like analyze(), it accepts malformed input and never fails; nothing here does I/O; the
// digest holds copies (the caller may free the message).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealmail::mime {

struct DigestAttachment {
  std::string filename;      // "" when the part names none
  std::string content_type;  // "image/png"
  std::string content;       // decoded bytes
};

struct MessageDigest {
  std::vector<std::pair<std::string, std::string>> headers;  // name as written, value unfolded and decoded
  std::string subject, from, to;                             // decoded, display form
  std::string text, html;                                    // UTF-8; "" when there is none
  std::vector<DigestAttachment> attachments;
};

MessageDigest digest(std::string_view raw);

}  // namespace sealmail::mime

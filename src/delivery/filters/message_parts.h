// The leaf parts of a MIME message (RFC 2045, RFC 2046), decoded from their transfer encoding, for
// the content checks: attachments for their real type, HTML bodies for their links. Attached
// messages (message/rfc822) are entered too. In memory only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealmail::delivery::filters {

struct MessagePart {
  std::string content_type;  // "text/html", lowercased, without parameters
  std::string filename;      // Content-Disposition filename or Content-Type name, may be empty
  std::string body;          // decoded (base64 / quoted-printable undone)
};

struct PartLimits {
  size_t max_parts = 1000;
  size_t max_depth = 8;                 // nested multiparts and attached messages
  size_t max_total_bytes = 128u << 20;  // decoded bytes over all parts
};

// Leaf parts in order; stops quietly at a limit (the caller sees truncated == true).
struct MessageParts {
  std::vector<MessagePart> parts;
  bool truncated = false;
};

MessageParts message_parts(std::string_view raw, const PartLimits& limits = {});

}  // namespace sealmail::delivery::filters

// Binary content given to APPEND (RFC 3516 §4.3): a literal8 may carry NUL octets, but BODY[...]
// answers are plain literals, whose CHAR8 excludes NUL (RFC 3501 §9, RFC 9051 §9), so a part
// holding NUL could never be fetched as BODY[n]. RFC 3516 §4.3 lets the server change the
// content-transfer-encoding of appended data as long as nothing is lost: such parts are stored
// re-encoded in base64 (what Dovecot does too). BINARY[n] still gives the original octets.
// No I/O: bytes in, bytes out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealmail::imap {

// The message with every leaf part whose body holds a NUL octet re-encoded: its
// Content-Transfer-Encoding field replaced by "base64" and its body, decoded first if it had an
// encoding we know, written as base64 lines of 76 characters. nullopt when no part holds NUL (the
// message is stored as given). NUL in a header is left alone.
std::optional<std::string> reencode_parts_with_nul(std::string_view message);

}  // namespace sealmail::imap

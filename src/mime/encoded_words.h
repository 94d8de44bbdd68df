// RFC 2047 encoded words ("=?utf-8?q?Gr=C3=BC=C3=9Fe?=") decoded to UTF-8, for protocol code that
// shows header text to clients that take UTF-8 (IMAP UTF8=ACCEPT, RFC 6855). Text that is already
// 8-bit is kept when it is UTF-8; other bytes are converted from the charsets GMime guesses, so the
// result is always valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace sealmail::mime {

// Unstructured text (Subject, RFC 2047 §5 (1)): encoded words anywhere between spaces.
std::string decode_unstructured(std::string_view text);
// A phrase (a display name, RFC 2047 §5 (3)): encoded words as whole words only.
std::string decode_phrase(std::string_view text);

}  // namespace sealmail::mime

// IMAP string forms (RFC 9051 §4.3): NIL, quoted strings, and literals for text that a quoted
// string cannot carry (CR, LF, NUL, 8-bit). Used for ENVELOPE and BODYSTRUCTURE computed at append.
#pragma once

#include <string>
#include <string_view>

namespace sealmail::mime {

void append_nstring(std::string& out, const char* value);  // null -> NIL
void append_string(std::string& out, std::string_view value);

}  // namespace sealmail::mime

// IMAP string forms (RFC 9051 §4.3): NIL, quoted strings, and literals for text that a quoted
// string cannot carry (CR, LF, NUL, 8-bit). Used for ENVELOPE and BODYSTRUCTURE computed at append,
// and read back from a stored ENVELOPE (envelope_date).
#pragma once

#include <string>
#include <string_view>

namespace sealmail::mime {

void append_nstring(std::string& out, const char* value);  // null -> NIL
void append_string(std::string& out, std::string_view value);
// The inverse, for text this module wrote: reads a quoted string or a literal at `pos` into `out`
// and moves `pos` past it; false (nothing read) for NIL or anything else.
bool read_string(std::string_view in, size_t& pos, std::string& out);

}  // namespace sealmail::mime

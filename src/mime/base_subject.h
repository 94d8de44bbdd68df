// The base subject of RFC 5256 §2.1, which THREAD (RFC 5256 §3) groups by and SORT SUBJECT orders
// by: the subject without "Re:", "Fwd:", "[blob]" leaders, "(fwd)" trailers and "[Fwd: ...]"
// wrapping, whitespace collapsed, ASCII upper-cased so that byte order is the i;ascii-casemap
// order the comparisons use. A pure function over the decoded subject (no GMime).
#pragma once

#include <string>
#include <string_view>

namespace sealmail::mime {

// `is_reply` tells whether anything of the kind was removed (THREAD REFERENCES step 5 prefers the
// original).
std::string base_subject(std::string_view subject, bool* is_reply = nullptr);

}  // namespace sealmail::mime

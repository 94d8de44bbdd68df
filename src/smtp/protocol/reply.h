// Writing SMTP replies (RFC 5321 §4.2): "code SP text CRLF", multiline "code-text CRLF" ... with
// the last line "code SP text CRLF" (§4.2.1), and RFC 2034 §4 enhanced status codes after the code.
//
// A reply line is one line whatever it is given: CR and LF in the text become spaces, so that no
// caller can split a reply (or inject one) with text that came from elsewhere. Other control
// characters are replaced too (§4.2: textstring is HT, SP and printable US-ASCII; UTF-8 text is
// allowed only under SMTPUTF8, RFC 6531 §3.7.4.2, and passed through).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealmail::smtp {

// "250 2.1.0 Ok\r\n"; with an empty `enhanced`, "250 Ok\r\n"; with both empty, "250\r\n".
std::string reply(int code, std::string_view enhanced, std::string_view text);

// "250-a\r\n250-b\r\n250 c\r\n"; an empty list gives "250\r\n".
std::string reply_lines(int code, const std::vector<std::string>& lines);

// The same with the enhanced code on every line (RFC 2034 §4: "250-2.0.0 a\r\n250 2.0.0 b\r\n").
std::string reply_lines(int code, std::string_view enhanced, const std::vector<std::string>& lines);

}  // namespace sealmail::smtp

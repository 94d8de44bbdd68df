// ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2 esmtp-param = esmtp-keyword ["=" esmtp-value]):
//   MAIL: SIZE (RFC 1870 §3), BODY (RFC 6152 §2, RFC 3030 §3), SMTPUTF8 (RFC 6531 §3.4),
//         RET and ENVID (RFC 3461 §4.3, §4.4), AUTH (RFC 4954 §5);
//   RCPT: NOTIFY and ORCPT (RFC 3461 §4.1, §4.2).
// Keywords are case-insensitive. An unknown keyword is 555 (RFC 5321 §4.1.1.11: "not recognized
// or not implemented"); a bad value, a missing or extra "=value", or a keyword given twice is 501.
// Parameters are separated by one space; runs of spaces are tolerated.
#pragma once

#include <optional>
#include <string_view>

#include "smtp/protocol/command.h"

namespace sealmail::smtp {

// RFC 3461 §4: xtext = *( xchar / hexchar ); xchar = "!".."~" except "+" and "="; hexchar = "+"
// and two upper-case hex digits.
bool valid_xtext(std::string_view s);

// `text` is what follows the path and its space ("" for none). `utf8`: UTF-8 may appear in values
// (RFC 6531 §3.3 esmtp-value), which only ORCPT uses (RFC 6533 §3).
std::optional<ParseError> parse_mail_params(std::string_view text, MailParams& out);
std::optional<ParseError> parse_rcpt_params(std::string_view text, bool utf8, RcptParams& out);

}  // namespace sealmail::smtp

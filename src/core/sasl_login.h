// SASL LOGIN (draft-murchison-sasl-login-00): not a standard, but what Outlook and many phones
// still offer first, so submission (RFC 4954) accepts it beside PLAIN. The server sends two
// challenges, "VXNlcm5hbWU6" ("Username:") and "UGFzc3dvcmQ6" ("Password:"), and the client answers
// each with one base64 line (the user name may also come as AUTH LOGIN's initial response).
//
// Checks, as strict as sasl_plain.h's because the bytes come from an unauthenticated client:
// canonical base64, non-empty, at most 255 octets, well-formed UTF-8, no NUL.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sealmail::sasl {

inline constexpr std::string_view kLoginUserChallenge = "VXNlcm5hbWU6";
inline constexpr std::string_view kLoginPasswordChallenge = "UGFzc3dvcmQ6";

// Decodes one LOGIN answer line (user name or password). The result may be a password: copy it
// to locked memory, then wipe() it. Errors are Errc::invalid_argument and quote nothing of the input.
Result<std::string> decode_sasl_login_field(std::string_view base64);

}  // namespace sealmail::sasl

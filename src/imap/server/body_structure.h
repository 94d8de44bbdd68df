// BODY (RFC 9051 §7.5.2 "body"): the non-extensible form of BODYSTRUCTURE, made from the stored
// BODYSTRUCTURE text by dropping the extension data (MD5, disposition, language, location and
// multipart parameters). Only old clients ask for it, so it is derived rather than stored.
#pragma once

#include <string>
#include <string_view>

namespace sealmail::imap {

// Returns `bodystructure` itself when it cannot be parsed (it was written by us, so that would be
// a bug; the client still gets a well-formed answer).
std::string non_extensible_body(std::string_view bodystructure);

}  // namespace sealmail::imap

// What the server announces (RFC 9051 §7.2.2), by state: LOGINDISABLED and STARTTLS before TLS,
// AUTH= mechanisms before login, the extensions after.
#pragma once

#include <string>

namespace sealmail::imap {

class Session;
std::string capabilities(const Session& session);

}  // namespace sealmail::imap

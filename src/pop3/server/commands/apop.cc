// APOP (RFC 1939 §7) needs the password in clear on the server to compute the digest; sealmail
// keeps only an Argon2id hash, so APOP is refused (and the greeting carries no timestamp, which
// tells clients not to try it).
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result apop(Session&, Command&) {
  refuse("APOP is not supported; use USER/PASS or AUTH PLAIN over TLS");
  co_return;
}

}  // namespace sealmail::pop3::commands

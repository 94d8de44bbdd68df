// USER (RFC 1939 §7): remembers the name for PASS. The answer is "+OK" whether or not the address
// exists, so that USER tells nothing (RFC 1939 §13 on leaking valid names).
#include "core/utf8.h"
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result user(Session& s, Command& c) {
  if (!s.login_allowed()) refuse("use STLS (or pop3s) before logging in");
  // RFC 6856 §2: a UTF-8 user name only after the UTF8 command ("UTF8 USER" is not announced).
  if (!s.utf8 && !sasl::is_ascii(c.user)) refuse("send UTF8 first to use a UTF-8 user name", RespCode::utf8);
  s.authorization().user = std::move(c.user);
  append_ok(s.out(), "send PASS");
  co_return;
}

}  // namespace sealmail::pop3::commands

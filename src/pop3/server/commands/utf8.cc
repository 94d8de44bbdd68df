// UTF8 (RFC 6856 §2): from now on user names and passwords may be UTF-8. Messages are always sent
// as stored (byte-exact), so the command changes nothing on the way out.
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result utf8(Session& s, Command&) {
  s.utf8 = true;
  append_ok(s.out(), "UTF8 enabled");
  co_return;
}

}  // namespace sealmail::pop3::commands

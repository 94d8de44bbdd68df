// RSET (RFC 1939 §5): unmarks every message marked deleted.
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result rset(Session& s, Command&) {
  auto& maildrop = s.transaction().maildrop;
  maildrop.undelete_all();
  append_ok(s.out(), "maildrop has " + std::to_string(maildrop.live_count()) + " messages (" +
                         std::to_string(maildrop.live_octets()) + " octets)");
  co_return;
}

}  // namespace sealmail::pop3::commands

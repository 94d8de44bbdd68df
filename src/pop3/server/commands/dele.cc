// DELE (RFC 1939 §5): marks only. The message is removed in the UPDATE state, after QUIT
// (update.h); until then RSET, a dropped connection or a timeout keeps it.
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result dele(Session& s, Command& c) {
  auto& m = message_or_refuse(s, c);
  s.transaction().maildrop.mark_deleted(m);
  append_ok(s.out(), "message " + std::to_string(*c.message) + " deleted");
  co_return;
}

}  // namespace sealmail::pop3::commands

// IDLE (RFC 2177); the work is Session::idle (idle.cc beside session.cc).
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result idle(Session& s, Command& c) {
  co_await s.idle(c.tag);
  Completion done;
  done.skip_report = true;
  done.skip_tagged = true;
  co_return done;
}

}  // namespace sealmail::imap::commands

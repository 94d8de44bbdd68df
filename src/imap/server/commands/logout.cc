// LOGOUT (RFC 9051 §6.1.3): BYE, then the tagged OK, then the connection closes.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result logout(Session& s, Command&) {
  s.untagged("BYE sealmail logging out");
  s.set_state(SessionState::logout);
  s.close_after_command();
  Completion done;
  done.skip_report = true;
  co_return done;
}

}  // namespace sealmail::imap::commands

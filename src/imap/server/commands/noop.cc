// NOOP (RFC 9051 §6.1.2) and CHECK (RFC 3501 §6.4.1; a NOOP in IMAP4rev2): the session reports
// pending changes after every command, so there is nothing else to do.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result noop(Session&, Command&) { co_return Completion{}; }
Result check(Session&, Command&) { co_return Completion{}; }

}  // namespace sealmail::imap::commands

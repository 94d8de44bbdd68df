// NOOP (RFC 1939 §5).
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result noop(Session& s, Command&) {
  append_ok(s.out());
  co_return;
}

}  // namespace sealmail::pop3::commands

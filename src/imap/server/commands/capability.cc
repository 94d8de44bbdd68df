// CAPABILITY (RFC 9051 §6.1.1).
#include "imap/server/capabilities.h"
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result capability(Session& s, Command&) {
  s.untagged("CAPABILITY " + capabilities(s));
  co_return Completion{};
}

}  // namespace sealmail::imap::commands

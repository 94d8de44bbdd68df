// ID (RFC 2971): we name ourselves, without a version (it would help attackers more than
// clients), and log nothing the client says about itself.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result id(Session& s, Command&) {
  s.untagged("ID (\"name\" \"sealmail\")");
  co_return Completion{};
}

}  // namespace sealmail::imap::commands

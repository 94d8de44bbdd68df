// NAMESPACE (RFC 2342, RFC 9051 §6.3.10): one personal namespace, "/" as the separator.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result namespace_(Session& s, Command&) {
  s.untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
  co_return Completion{};
}

}  // namespace sealmail::imap::commands

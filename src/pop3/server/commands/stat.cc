// STAT (RFC 1939 §5): "+OK nn mm", messages not marked deleted and their size in octets.
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result stat(Session& s, Command&) {
  const auto& maildrop = s.transaction().maildrop;
  append_ok(s.out(), std::to_string(maildrop.live_count()) + " " + std::to_string(maildrop.live_octets()));
  co_return;
}

}  // namespace sealmail::pop3::commands

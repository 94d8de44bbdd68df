// UIDL (RFC 1939 §7): unique ids that stay the same across sessions and are never given to
// another message (maildrop.h says how).
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result uidl(Session& s, Command& c) {
  auto& out = s.out();
  const auto& maildrop = s.transaction().maildrop;
  if (c.message) {
    const auto& m = message_or_refuse(s, c);
    out += "+OK ";
    append_unique_id_listing(out, *c.message, maildrop.unique_id(m));
    co_return;
  }
  append_ok(out);
  for (uint32_t n = 1; n <= maildrop.count(); ++n) {
    const auto* m = maildrop.at(n);
    if (!m->deleted) append_unique_id_listing(out, n, maildrop.unique_id(*m));
  }
  out += kEndOfMultiline;
}

}  // namespace sealmail::pop3::commands

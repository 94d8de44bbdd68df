// LIST (RFC 1939 §5): one scan listing, or all of them (messages marked deleted are left out).
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result list(Session& s, Command& c) {
  auto& out = s.out();
  if (c.message) {
    const auto& m = message_or_refuse(s, c);
    out += "+OK ";
    append_scan_listing(out, *c.message, m.size);
    co_return;
  }
  const auto& maildrop = s.transaction().maildrop;
  append_ok(
      out, std::to_string(maildrop.live_count()) + " messages (" + std::to_string(maildrop.live_octets()) + " octets)");
  for (uint32_t n = 1; n <= maildrop.count(); ++n) {
    const auto* m = maildrop.at(n);
    if (!m->deleted) append_scan_listing(out, n, m->size);
  }
  out += kEndOfMultiline;
}

}  // namespace sealmail::pop3::commands

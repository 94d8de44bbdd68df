// CLOSE (RFC 9051 §6.4.1): expunge silently (unless read-only), then unselect; UNSELECT (RFC
// 3691): unselect without expunging.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result close(Session& s, Command&) {
  auto& sel = *s.selected();
  if (!sel.read_only) {
    auto mailbox = s.mailbox_ptr();
    auto folder = sel.name;
    auto removed_work = s.blocking([mailbox, folder] { return mailbox->expunge(folder); });
    auto removed = co_await std::move(removed_work);
    if (!removed) fail(removed.error());
  }
  s.unselect();
  Completion done;
  done.skip_report = true;
  co_return done;
}

Result unselect(Session& s, Command&) {
  s.unselect();
  Completion done;
  done.skip_report = true;
  co_return done;
}

}  // namespace sealmail::imap::commands

// SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8).
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result subscribe(Session& s, Command& c) {
  auto name = s.folder_from_wire(std::get<MailboxArgs>(c.args).mailbox);
  bool on = c.name == "SUBSCRIBE";
  auto mailbox = s.mailbox_ptr();
  auto st_work = s.blocking([mailbox, name, on] { return mailbox->set_subscribed(name, on); });
  auto st = co_await std::move(st_work);
  // RFC 9051 §6.3.8: unsubscribing a name that is not subscribed is not an error worth a NO.
  if (!st && !(st.error().code == Errc::not_found && !on)) fail(st.error());
  co_return Completion{.text = on ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed"};
}

}  // namespace sealmail::imap::commands

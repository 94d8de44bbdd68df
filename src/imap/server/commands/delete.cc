// DELETE (RFC 9051 §6.3.5): INBOX cannot be deleted; a folder with children keeps them.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result delete_(Session& s, Command& c) {
  auto name = s.folder_from_wire(std::get<MailboxArgs>(c.args).mailbox);
  if (name == "INBOX") no("CANNOT", "INBOX cannot be deleted");
  if (s.selected() && s.selected()->name == name) s.unselect();
  auto mailbox = s.mailbox_ptr();
  auto st_work = s.blocking([mailbox, name] { return mailbox->delete_folder(name); });
  auto st = co_await std::move(st_work);
  if (!st) fail(st.error());
  co_return Completion{.text = "DELETE completed"};
}

}  // namespace sealmail::imap::commands

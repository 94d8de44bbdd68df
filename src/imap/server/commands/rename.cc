// RENAME (RFC 9051 §6.3.6). Renaming INBOX moves its messages to the new folder and leaves INBOX
// empty, as the RFC says; the store does the same for the folder's children.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result rename(Session& s, Command& c) {
  auto& args = std::get<RenameArgs>(c.args);
  auto from = s.folder_from_wire(args.from);
  auto to = s.folder_from_wire(args.to);
  while (!to.empty() && to.back() == '/') to.pop_back();
  if (to.empty()) bad("empty mailbox name");
  if (to == "INBOX") no("ALREADYEXISTS", "INBOX always exists");
  auto mailbox = s.mailbox_ptr();
  auto st_work = s.blocking([mailbox, from, to]() -> Status {
    if (from == "INBOX") {
      // RFC 9051 §6.3.6: a new folder gets INBOX's messages; INBOX stays, empty.
      auto created = mailbox->create_folder(to);
      if (!created) return created;
      auto moved = mailbox->move("INBOX", store::all_uids(), to);
      if (!moved) return moved.error();
      return {};
    }
    return mailbox->rename_folder(from, to);
  });
  auto st = co_await std::move(st_work);
  if (!st) fail(st.error());
  if (s.selected() && s.selected()->name == from && from != "INBOX") s.selected()->name = to;
  co_return Completion{.text = "RENAME completed"};
}

}  // namespace sealmail::imap::commands

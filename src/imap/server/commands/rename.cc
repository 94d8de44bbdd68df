// RENAME (RFC 9051 §6.3.6). Renaming INBOX moves its messages to the new folder and leaves INBOX
// empty, as the RFC says; the store does the same for the folder's children.
// The messages moved out of INBOX are not \Recent in the new folder: they did not arrive there
// (COPY and MOVE mark their copies, RFC 3501 §6.4.7). The move's recent marks are claimed in the same job,
// before the answer, so no session sees them; a message in INBOX that no session had seen as
// recent yet loses the flag too. (Dovecot does not rename INBOX at all: "Renaming INBOX isn't
// supported".)
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
      auto claimed = mailbox->claim_recent(to);
      if (!claimed) return claimed.error();
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

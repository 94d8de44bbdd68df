// EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): removes \Deleted messages and reports
// each (EXPUNGE, or VANISHED under QRESYNC).
#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"
#include "imap/server/message_set.h"

namespace sealmail::imap::commands {

Result expunge(Session& s, Command& c) {
  auto& args = std::get<ExpungeArgs>(c.args);
  auto& sel = *s.selected();
  if (sel.read_only) no("READ-ONLY", "the mailbox was opened with EXAMINE");
  store::UidSet ranges = store::all_uids();
  if (c.uid) {
    if (!args.uids) bad("UID EXPUNGE needs a UID set");
    ranges = SelectedFolder::to_ranges(message_set(s, *args.uids, true));
  }
  auto mailbox = s.mailbox_ptr();
  auto folder = sel.name;
  if (ranges.empty()) co_return Completion{.text = "EXPUNGE completed"};
  auto removed_work = s.blocking([mailbox, folder, ranges] { return mailbox->expunge(folder, ranges); });
  auto removed = co_await std::move(removed_work);
  if (!removed) fail(removed.error());
  // Ours join whatever others expunged; all are announced now, in one renumbering pass.
  for (uint32_t uid : *removed)
    if (sel.seq_of(uid) != 0 && !sel.is_expunged_pending(uid)) sel.expunged_pending.push_back(uid);
  s.flush_expunges();
  co_return Completion{.text = "EXPUNGE completed"};
}

}  // namespace sealmail::imap::commands

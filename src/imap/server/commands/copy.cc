// COPY and MOVE, and their UID forms (RFC 9051 §6.4.7, §6.4.8; RFC 6851 MOVE; RFC 4315 COPYUID).
// MOVE reports COPYUID in an untagged OK, then the expunges, then the tagged OK (RFC 6851 §4.3).
// COPY adds the copies' bytes to the alias's usage, so it is checked against the quota like APPEND
// and refused whole with NO [OVERQUOTA] (RFC 5530 §3, the code RFC 9208 uses). MOVE is not: it stays inside
// the one mailbox and adds nothing, and a user over quota must still be able to move mail to
// Trash to delete it (Dovecot likewise skips the check for moves within one quota root).
// Into or out of Junk, the copies train the owner's junk classifier (junk_training.h).
#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"
#include "imap/server/junk_training.h"
#include "imap/server/message_set.h"
#include "quota/ledger.h"
#include "quota/usage.h"

namespace sealmail::imap::commands {

Result copy(Session& s, Command& c) {
  auto& args = std::get<CopyArgs>(c.args);
  bool move = c.name == "MOVE";
  auto& sel = *s.selected();
  if (move && sel.read_only) no("READ-ONLY", "the mailbox was opened with EXAMINE");
  auto uids = message_set(s, args.set, c.uid);
  auto target = s.folder_from_wire(args.mailbox);
  auto mailbox = s.mailbox_ptr();
  auto folder = sel.name;
  auto ranges = SelectedFolder::to_ranges(uids);
  auto directory = s.context().directory;
  auto alias = s.alias();
  auto meter = std::make_shared<quota::Meter>(s.options().data_dir, s.context().registry, s.context().spool);
  auto ledger = s.context().quota_ledger;
  auto result_work = s.blocking([mailbox, folder, ranges, target, move, directory, alias, meter,
                                 ledger]() -> sealmail::Result<store::CopyResult> {
    auto exists = mailbox->folder(target);
    if (!exists) return sealmail::Error{Errc::not_found, "no such mailbox"};
    if (ranges.empty()) return store::CopyResult{exists->uidvalidity, {}};
    if (!move) {
      auto copied = mailbox->list_messages(folder, ranges, false);
      if (!copied) return copied.error();
      uint64_t bytes = 0;
      for (auto& m : *copied) bytes += m.size;
      auto usage = ledger ? ledger->usage(*directory, alias) : meter->usage(*directory, alias);
      if (!usage) return usage.error();
      if (!usage->fits(bytes)) return sealmail::Error{Errc::quota_exceeded, "the mailbox is full"};
    }
    auto source = mailbox->folder(folder);
    if (!source) return source.error();
    auto done = move ? mailbox->move(folder, ranges, target) : mailbox->copy(folder, ranges, target);
    // Issue 9: into or out of Junk teaches the owner's junk classifier (junk_training.h).
    auto how = training_for_copy(source->special_use, exists->special_use);
    if (done && how != JunkTraining::none) {
      std::vector<uint32_t> copies;
      for (auto& [from, to] : done->uids) copies.push_back(to);
      train(*mailbox, exists->name, copies, how);
    }
    return done;
  });
  auto result = co_await std::move(result_work);
  if (!result) {
    if (result.error().code == Errc::not_found) no("TRYCREATE", "no such mailbox");
    fail(result.error());
  }
  std::string code;
  if (!result->uids.empty()) {
    std::vector<uint32_t> from, to;
    for (auto& [a, b] : result->uids) {
      from.push_back(a);
      to.push_back(b);
    }
    // The pairs are in source-UID order, which is what COPYUID's two lists pair up (RFC 4315 §3).
    code = "COPYUID " + std::to_string(result->destination_uidvalidity) + " " + format_sequence_set(from) + " " +
           format_sequence_set(to);
  }
  if (move) {
    if (!code.empty()) s.untagged("OK [" + code + "] Moved");
    for (auto& [a, b] : result->uids)
      if (sel.seq_of(a) != 0 && !sel.is_expunged_pending(a)) sel.expunged_pending.push_back(a);
    s.flush_expunges();
    co_return Completion{.text = "MOVE completed"};
  }
  co_return Completion{.code = code, .text = "COPY completed"};
}

}  // namespace sealmail::imap::commands

#include "pop3/server/update.h"

#include "core/log.h"

namespace sealmail::pop3 {

Result<UpdateOutcome> apply_update(store::Mailbox& mailbox, const Maildrop& maildrop) {
  UpdateOutcome outcome;
  auto deleted = maildrop.deleted_uids();
  if (!deleted.empty()) {
    store::Flags flags;
    flags.system = store::kDeleted;
    auto marked = mailbox.store_flags(kMaildropFolder, deleted, store::FlagMode::add, flags);
    if (!marked) return marked.error();
    auto removed = mailbox.expunge(kMaildropFolder, deleted);
    if (!removed) return removed.error();
    outcome.removed = removed->size();
    // A message another session expunged meanwhile is gone as asked: not a failure to report.
    if (maildrop.deleted_count() > outcome.removed) outcome.already_gone = maildrop.deleted_count() - outcome.removed;
  }
  auto retrieved = maildrop.retrieved_uids();
  if (!retrieved.empty()) {
    store::Flags flags;
    flags.system = store::kSeen;
    auto seen = mailbox.store_flags(kMaildropFolder, retrieved, store::FlagMode::add, flags);
    // The deletions are done; a \Seen flag that could not be set is not worth an -ERR.
    if (!seen) log::warn("pop3_seen_failed", {{"reason", seen.error().message}});
  }
  return outcome;
}

}  // namespace sealmail::pop3

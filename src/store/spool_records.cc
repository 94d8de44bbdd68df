// What a mailbox records about the sealed spool (store/spool.h): the names of spool entries whose
// messages it already holds. A name is written in the transaction that appends its message, so
// "stored" and "recorded" are one fact; the file is unlinked only after that commit, and a drain
// that finds a recorded file again (a crash came between commit and unlink) unlinks it without
// storing it twice. Names are random ids: they say nothing about the message or its sender.
#include "core/time.h"
#include "store/mailbox_impl.h"

namespace sealmail::store {

void record_spool_entries(sql::Db& db, std::span<const std::string> entry_names) {
  if (entry_names.empty()) return;
  const std::string now = iso8601_utc(unix_now());
  // A plain INSERT: a name already recorded is a duplicate delivery, which must fail the batch.
  for (const auto& name : entry_names)
    db.cached("INSERT INTO spool_drained(name, drained_at) VALUES (?, ?)")
        .bind(1, std::string_view(name))
        .bind(2, std::string_view(now))
        .run();
}

Result<std::vector<std::string>> Mailbox::spool_entries_moved() {
  return guarded<Result<std::vector<std::string>>>([&]() -> Result<std::vector<std::string>> {
    auto r = impl_->reader();
    auto s = r.db().prepare("SELECT name FROM spool_drained ORDER BY name");
    std::vector<std::string> out;
    while (s.step()) out.emplace_back(s.text(0));
    return out;
  });
}

Status Mailbox::forget_spool_entries(std::span<const std::string> entry_names) {
  if (entry_names.empty()) return {};
  return guarded<Status>([&]() -> Status {
    std::lock_guard lock(impl_->write_mutex);
    auto& db = impl_->writer;
    sql::transaction(db, [&] {
      for (const auto& name : entry_names)
        db.cached("DELETE FROM spool_drained WHERE name = ?").bind(1, std::string_view(name)).run();
    });
    return {};
  });
}

}  // namespace sealmail::store

// Messages: append (UIDPLUS APPENDUID data), fetch, copy and move (COPYUID), expunge with the
// expunge log for QRESYNC, and changes since a MODSEQ (RFC 7162).
#include <algorithm>

#include "core/time.h"
#include "store/mailbox_impl.h"

namespace sealmail::store {

namespace {

constexpr uint64_t kMaxMessageSize = 512ull << 20;

std::string join_refs(const std::vector<std::string>& refs) {
  std::string s;
  for (const auto& r : refs) {
    if (!s.empty()) s += ' ';
    s += r;
  }
  return s;
}

// The thread a message joins: the thread of its parent (In-Reply-To, then References from the
// nearest), or a new one named by its own row id.
int64_t find_thread(sql::Db& db, const mime::HeaderFields& f) {
  std::vector<const std::string*> parents;
  if (!f.in_reply_to.empty()) parents.push_back(&f.in_reply_to);
  for (auto it = f.references.rbegin(); it != f.references.rend(); ++it) parents.push_back(&*it);
  auto& s = db.cached("SELECT thread_id FROM messages WHERE message_id = ? LIMIT 1");
  for (const auto* id : parents) {
    if (id->empty()) continue;
    s.bind(1, std::string_view(*id));
    if (s.step()) {
      int64_t t = s.int64(0);
      s.reset();
      return t;
    }
    s.reset();
  }
  return 0;
}

// See next_modseq (folders.cc) for why this is not UPDATE ... RETURNING.
uint32_t take_uid(sql::Db& db, int64_t folder_id) {
  auto& get = db.cached("SELECT uidnext FROM folders WHERE id = ?");
  get.bind(1, folder_id);
  if (!get.step()) fail(Errc::not_found, "no such folder");
  auto uid = static_cast<uint32_t>(get.int64(0));
  get.reset();
  if (uid == UINT32_MAX) fail(Errc::invalid_argument, "folder has run out of UIDs");
  db.cached("UPDATE folders SET uidnext = ? WHERE id = ?")
      .bind(1, static_cast<int64_t>(uid) + 1)
      .bind(2, folder_id)
      .run();
  return uid;
}

struct MessageRow {
  int64_t id;
  uint32_t uid;
  int64_t body_id;
  int64_t size = 0;
};

std::vector<MessageRow> select_rows(sql::Db& db, int64_t folder_id, const UidSet& uids, const char* extra = "") {
  std::vector<int64_t> params{folder_id};
  std::string sql = "SELECT id, uid, body_id, size FROM messages WHERE folder_id = ? AND " + uid_set_sql(uids, params) +
                    extra + " ORDER BY uid";
  auto s = db.prepare(sql);
  for (size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
  std::vector<MessageRow> rows;
  while (s.step()) rows.push_back({s.int64(0), static_cast<uint32_t>(s.int64(1)), s.int64(2), s.int64(3)});
  return rows;
}

// Copies message rows into `to` with new UIDs and MODSEQ, sharing the bodies.
CopyResult copy_rows(sql::Db& db, const std::vector<MessageRow>& rows, const FolderRow& to) {
  CopyResult result;
  result.destination_uidvalidity = to.uidvalidity;
  if (rows.empty()) return result;
  uint64_t modseq = next_modseq(db, to.id);
  for (const auto& r : rows) {
    uint32_t uid = take_uid(db, to.id);
    auto& ins = db.cached(
        "INSERT INTO messages(folder_id, uid, modseq, body_id, internal_date, size, flags, thread_id, sent_date, "
        "subject, from_addr, to_addr, cc_addr, bcc_addr, message_id, in_reply_to, refs, has_attachment, sent_day) "
        "SELECT ?1, ?2, ?3, body_id, internal_date, size, flags, thread_id, sent_date, subject, from_addr, to_addr, "
        "cc_addr, bcc_addr, message_id, in_reply_to, refs, has_attachment, sent_day FROM messages WHERE id = ?4");
    ins.bind(1, to.id).bind(2, static_cast<int64_t>(uid)).bind(3, static_cast<int64_t>(modseq)).bind(4, r.id).run();
    int64_t new_id = db.last_insert_rowid();
    db.cached(
          "INSERT INTO message_keywords(message_id, keyword_id) SELECT ?1, keyword_id FROM message_keywords "
          "WHERE message_id = ?2")
        .bind(1, new_id)
        .bind(2, r.id)
        .run();
    db.cached("UPDATE bodies SET refcount = refcount + 1 WHERE id = ?").bind(1, r.body_id).run();
    result.uids.emplace_back(r.uid, uid);
  }
  return result;
}

// Deletes message rows, logs them as expunged with one new MODSEQ, releases their bodies.
void remove_rows(sql::Db& db, const FolderRow& folder, const std::vector<MessageRow>& rows) {
  if (rows.empty()) return;
  uint64_t modseq = next_modseq(db, folder.id);
  for (const auto& r : rows) {
    db.cached("DELETE FROM messages WHERE id = ?").bind(1, r.id).run();
    db.cached("INSERT OR REPLACE INTO expunged(folder_id, uid, modseq) VALUES (?, ?, ?)")
        .bind(1, folder.id)
        .bind(2, static_cast<int64_t>(r.uid))
        .bind(3, static_cast<int64_t>(modseq))
        .run();
    release_body(db, r.body_id);
  }
}

int64_t bytes_of(const std::vector<MessageRow>& rows) {
  int64_t total = 0;
  for (const auto& r : rows) total += r.size;
  return total;
}

std::vector<uint32_t> uids_of(const std::vector<MessageRow>& rows) {
  std::vector<uint32_t> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r.uid);
  return out;
}

}  // namespace

std::string uid_set_sql(const UidSet& uids, std::vector<int64_t>& params, const char* column) {
  if (uids.empty()) return "0";
  std::string sql = "(";
  for (size_t i = 0; i < uids.size(); ++i) {
    if (i > 0) sql += " OR ";
    auto lo = std::min(uids[i].first, uids[i].last), hi = std::max(uids[i].first, uids[i].last);
    if (lo == hi) {
      sql += column;
      sql += " = ?";
      params.push_back(lo);
    } else {
      sql += column;
      sql += " BETWEEN ? AND ?";
      params.push_back(lo);
      params.push_back(hi);
    }
  }
  sql += ')';
  return sql;
}

namespace {

// Writes one message row (its body is already prepared) inside the caller's transaction.
std::pair<AppendResult, ChangeEvent> insert_message(sql::Db& db, const AppendRequest& r, const PreparedMessage& p) {
  FolderRow folder = require_folder(db, r.folder);
  int64_t body_id = insert_body(db, p);
  uint32_t uid = take_uid(db, folder.id);
  uint64_t modseq = next_modseq(db, folder.id);
  int64_t thread = find_thread(db, p.info.fields);
  const auto& f = p.info.fields;
  auto& ins = db.cached(
      "INSERT INTO messages(folder_id, uid, modseq, body_id, internal_date, size, flags, thread_id, "
      "sent_date, subject, from_addr, to_addr, cc_addr, bcc_addr, message_id, in_reply_to, refs, "
      "has_attachment, sent_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, folder.id)
      .bind(2, static_cast<int64_t>(uid))
      .bind(3, static_cast<int64_t>(modseq))
      .bind(4, body_id)
      .bind(5, std::string_view(iso8601_utc(r.internal_date.value_or(unix_now()))))
      .bind(6, static_cast<int64_t>(p.size))
      .bind(7, static_cast<int64_t>(r.flags.system))
      .bind(8, thread);
  if (f.date)
    ins.bind(9, std::string_view(iso8601_utc(*f.date)));
  else
    ins.bind_null(9);
  ins.bind(10, std::string_view(f.subject))
      .bind(11, std::string_view(f.from))
      .bind(12, std::string_view(f.to))
      .bind(13, std::string_view(f.cc))
      .bind(14, std::string_view(f.bcc))
      .bind(15, std::string_view(f.message_id))
      .bind(16, std::string_view(f.in_reply_to))
      .bind(17, std::string_view(join_refs(f.references)))
      .bind(18, p.info.has_attachment ? 1 : 0);
  if (f.date_day.empty())
    ins.bind_null(19);
  else
    ins.bind(19, std::string_view(f.date_day));
  ins.run();
  int64_t id = db.last_insert_rowid();
  if (thread == 0) db.cached("UPDATE messages SET thread_id = id WHERE id = ?").bind(1, id).run();
  if (!r.flags.keywords.empty()) write_keywords(db, id, r.flags.keywords);
  return {{folder.uidvalidity, uid, modseq}, {ChangeEvent::Kind::exists, folder.name, modseq, {uid}}};
}

}  // namespace

// Group commit: appends that arrive while a commit is running wait for it, and the next leader
// commits all of them in one transaction (one fsync). Each batch has its own savepoint, so one
// batch's error (a missing folder) never fails another's; none returns before its commit.
namespace {

// A large group dirties more pages than SQLite's default cache (2 MB) holds: it then spills them
// to the log in the middle of the transaction and writes many of them again at commit (measured:
// 6% of a 1,000-message batch, and 3 of its 20 KB written per message). The cache grows for such a
// group, to about three times its bytes (at most 64 MB), and shrinks back afterwards, so an open
// mailbox at rest keeps the small one.
class GroupCache {
 public:
  GroupCache(sql::Db& db, uint64_t group_bytes) : db_(db) {
    uint64_t kib = std::min<uint64_t>(group_bytes * 3 / 1024, 64 * 1024);
    if (kib <= kDefaultKib) return;
    db_.exec(("PRAGMA cache_size = -" + std::to_string(kib)).c_str());
    grown_ = true;
  }
  ~GroupCache() {
    if (!grown_) return;
    try {
      db_.exec(("PRAGMA cache_size = -" + std::to_string(kDefaultKib)).c_str());
    } catch (const sql::Error&) {
      // Only memory: the next group sets it again.
    }
  }
  GroupCache(const GroupCache&) = delete;
  GroupCache& operator=(const GroupCache&) = delete;

 private:
  static constexpr uint64_t kDefaultKib = 2000;  // SQLite's default (SQLITE_DEFAULT_CACHE_SIZE)
  sql::Db& db_;
  bool grown_ = false;
};

}  // namespace

void Mailbox::Impl::commit_group(const std::vector<PendingAppend*>& group) {
  std::vector<std::optional<Result<std::vector<AppendResult>>>> staged(group.size());
  uint64_t group_bytes = 0;
  for (auto* b : group)
    for (const auto& p : *b->prepared) group_bytes += p.size;
  auto fail_all = [&](const Error& e) {
    for (auto* b : group) b->outcome = e;
  };
  try {
    std::lock_guard lock(write_mutex);
    GroupCache cache(writer, group_bytes);
    int64_t added_messages = 0, added_bytes = 0;
    sql::transaction(writer, [&] {
      added_messages = added_bytes = 0;
      for (size_t g = 0; g < group.size(); ++g) {
        auto& b = *group[g];
        writer.exec("SAVEPOINT batch");
        try {
          std::vector<AppendResult> results;
          for (size_t i = 0; i < b.requests.size(); ++i) {
            auto [result, event] = insert_message(writer, b.requests[i], (*b.prepared)[i]);
            results.push_back(result);
            b.events.push_back(std::move(event));
          }
          record_spool_entries(writer, b.spool_entries);
          writer.exec("RELEASE batch");
          added_messages += static_cast<int64_t>(b.requests.size());
          for (const auto& p : *b.prepared) added_bytes += static_cast<int64_t>(p.size);
          staged[g] = std::move(results);
        } catch (const StoreError& e) {
          writer.exec("ROLLBACK TO batch");
          writer.exec("RELEASE batch");
          b.events.clear();
          staged[g] = e.error;
        } catch (const sql::Error& e) {
          writer.exec("ROLLBACK TO batch");
          writer.exec("RELEASE batch");
          b.events.clear();
          staged[g] = sql::to_error(e);
        }
      }
    });
    add_usage(added_messages, added_bytes);
  } catch (const sql::Error& e) {
    fail_all(sql::to_error(e));  // the commit itself failed: nothing of the group is stored
    return;
  } catch (...) {
    fail_all(make_error(Errc::internal, "append failed"));
    return;
  }
  for (size_t g = 0; g < group.size(); ++g) group[g]->outcome = std::move(*staged[g]);
}

Result<std::vector<AppendResult>> Mailbox::append_batch(std::span<const AppendRequest> requests) {
  return append_from_spool(requests, {});
}

Result<std::vector<AppendResult>> Mailbox::append_from_spool(std::span<const AppendRequest> requests,
                                                             std::span<const std::string> entry_names) {
  // Parse, split, hash and compress before queueing: that is the CPU-heavy part, done in parallel
  // by concurrent callers.
  std::vector<PreparedMessage> prepared;
  auto checked = guarded<Status>([&]() -> Status {
    prepared.reserve(requests.size());
    for (const auto& r : requests) {
      if (r.message.size() > kMaxMessageSize) fail(Errc::invalid_argument, "message is too large");
      validate_flags(r.flags);
      prepared.push_back(prepare_message(r.message, impl_->options));
    }
    return {};
  });
  if (!checked) return checked.error();

  Impl::PendingAppend me{requests, &prepared, std::nullopt, {}, entry_names};
  {
    std::unique_lock lock(impl_->group_mutex);
    impl_->group_queue.push_back(&me);
    while (!me.outcome) {
      if (impl_->group_leader) {
        impl_->group_cv.wait(lock);
        continue;
      }
      impl_->group_leader = true;
      std::vector<Impl::PendingAppend*> group;
      group.swap(impl_->group_queue);
      lock.unlock();
      impl_->commit_group(group);
      lock.lock();
      impl_->group_leader = false;
      impl_->group_cv.notify_all();
    }
  }
  if (me.outcome->ok())
    for (const auto& e : me.events) impl_->notify(e);
  return std::move(*me.outcome);
}

Result<AppendResult> Mailbox::append(const AppendRequest& request) {
  auto r = append_batch(std::span<const AppendRequest>(&request, 1));
  if (!r) return r.error();
  return r->front();
}

Result<std::string> Mailbox::fetch_raw(std::string_view folder, uint32_t uid) {
  return guarded<Result<std::string>>([&]() -> Result<std::string> {
    auto r = impl_->reader();
    auto& db = r.db();
    return sql::transaction_read(db, [&] {
      FolderRow f = require_folder(db, folder);
      auto& s = db.cached("SELECT body_id FROM messages WHERE folder_id = ? AND uid = ?");
      s.bind(1, f.id).bind(2, static_cast<int64_t>(uid));
      if (!s.step()) fail(Errc::not_found, "no such message");
      int64_t body_id = s.int64(0);
      s.reset();
      return load_message(db, body_id);
    });
  });
}

Result<std::vector<std::pair<uint32_t, std::string>>> Mailbox::fetch_raw_many(std::string_view folder,
                                                                              const UidSet& uids) {
  using Out = std::vector<std::pair<uint32_t, std::string>>;
  return guarded<Result<Out>>([&]() -> Result<Out> {
    auto r = impl_->reader();
    auto& db = r.db();
    return sql::transaction_read(db, [&] {
      FolderRow f = require_folder(db, folder);
      std::vector<int64_t> params{f.id};
      auto s = db.prepare("SELECT uid, body_id FROM messages WHERE folder_id = ? AND " + uid_set_sql(uids, params) +
                          " ORDER BY uid");
      for (size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
      std::vector<std::pair<uint32_t, int64_t>> bodies;
      while (s.step()) bodies.emplace_back(static_cast<uint32_t>(s.int64(0)), s.int64(1));
      Out out;
      out.reserve(bodies.size());
      for (auto& [uid, body_id] : bodies) out.emplace_back(uid, load_message(db, body_id));
      return out;
    });
  });
}

Result<std::vector<ThreadFields>> Mailbox::thread_fields(std::string_view folder, const UidSet& uids) {
  return guarded<Result<std::vector<ThreadFields>>>([&]() -> Result<std::vector<ThreadFields>> {
    auto r = impl_->reader();
    auto& db = r.db();
    FolderRow f = require_folder(db, folder);
    std::vector<int64_t> params{f.id};
    auto s = db.prepare(
        "SELECT uid, subject, coalesce(sent_date, internal_date), message_id, in_reply_to, refs FROM messages "
        "WHERE folder_id = ? AND " +
        uid_set_sql(uids, params) + " ORDER BY uid");
    for (size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
    std::vector<ThreadFields> out;
    while (s.step()) {
      ThreadFields t;
      t.uid = static_cast<uint32_t>(s.int64(0));
      t.subject = s.text(1);
      t.date = s.text(2);
      t.message_id = s.text(3);
      t.in_reply_to = s.text(4);
      std::string_view refs = s.text(5);
      while (!refs.empty()) {
        size_t sp = refs.find(' ');
        if (sp != 0) t.references.emplace_back(refs.substr(0, sp));
        refs = sp == std::string_view::npos ? std::string_view() : refs.substr(sp + 1);
      }
      out.push_back(std::move(t));
    }
    return out;
  });
}

Result<std::vector<MessageSummary>> Mailbox::list_messages(std::string_view folder, const UidSet& uids,
                                                           bool with_structure) {
  return guarded<Result<std::vector<MessageSummary>>>([&]() -> Result<std::vector<MessageSummary>> {
    auto r = impl_->reader();
    auto& db = r.db();
    FolderRow f = require_folder(db, folder);
    std::vector<int64_t> params{f.id};
    std::string where = uid_set_sql(uids, params, "m.uid");
    auto s = db.prepare(
        std::string("SELECT m.id, m.uid, m.modseq, m.internal_date, m.size, m.flags, m.thread_id, ") +
        (with_structure ? "b.envelope, b.bodystructure, " : "'', '', ") +
        "  (SELECT group_concat(k.name, ' ') FROM message_keywords mk JOIN keywords k ON k.id = mk.keyword_id "
        "   WHERE mk.message_id = m.id) " +
        (with_structure ? "FROM messages m JOIN bodies b ON b.id = m.body_id " : "FROM messages m ") +
        "WHERE m.folder_id = ? AND " + where + " ORDER BY m.uid");
    for (size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
    std::vector<MessageSummary> out;
    while (s.step()) {
      MessageSummary m;
      m.id = s.int64(0);
      m.uid = static_cast<uint32_t>(s.int64(1));
      m.modseq = static_cast<uint64_t>(s.int64(2));
      m.internal_date = s.text(3);
      m.size = static_cast<uint64_t>(s.int64(4));
      m.flags.system = static_cast<uint32_t>(s.int64(5));
      m.thread_id = s.int64(6);
      m.envelope = s.text(7);
      m.bodystructure = s.text(8);
      std::string_view kw = s.text(9);
      while (!kw.empty()) {
        size_t sp = kw.find(' ');
        m.flags.keywords.emplace_back(kw.substr(0, sp));
        kw = sp == std::string_view::npos ? std::string_view() : kw.substr(sp + 1);
      }
      out.push_back(std::move(m));
    }
    return out;
  });
}

Result<CopyResult> Mailbox::copy(std::string_view from, const UidSet& uids, std::string_view to) {
  return guarded<Result<CopyResult>>([&]() -> Result<CopyResult> {
    CopyResult result;
    std::string to_name;
    int64_t copied_messages = 0, copied_bytes = 0;
    {
      std::lock_guard lock(impl_->write_mutex);
      auto& db = impl_->writer;
      result = sql::transaction(db, [&] {
        FolderRow src = require_folder(db, from);
        FolderRow dst = require_folder(db, to);
        to_name = dst.name;
        auto rows = select_rows(db, src.id, uids);
        copied_messages = static_cast<int64_t>(rows.size());
        copied_bytes = bytes_of(rows);
        return copy_rows(db, rows, dst);
      });
      impl_->add_usage(copied_messages, copied_bytes);
    }
    if (!result.uids.empty()) {
      std::vector<uint32_t> new_uids;
      for (auto& [a, b] : result.uids) new_uids.push_back(b);
      impl_->notify({ChangeEvent::Kind::exists, to_name, 0, new_uids});
    }
    return result;
  });
}

Result<CopyResult> Mailbox::move(std::string_view from, const UidSet& uids, std::string_view to) {
  return guarded<Result<CopyResult>>([&]() -> Result<CopyResult> {
    CopyResult result;
    std::string from_name, to_name;
    std::vector<uint32_t> removed;
    {
      std::lock_guard lock(impl_->write_mutex);
      auto& db = impl_->writer;
      result = sql::transaction(db, [&] {
        FolderRow src = require_folder(db, from);
        FolderRow dst = require_folder(db, to);
        // The same folder is allowed (RFC 6851 §3.3: MOVE is COPY then EXPUNGE, and COPY to the
        // selected mailbox is legal): the messages get new UIDs and the originals are expunged.
        from_name = src.name;
        to_name = dst.name;
        auto rows = select_rows(db, src.id, uids);
        auto copied = copy_rows(db, rows, dst);
        remove_rows(db, src, rows);  // bodies keep the reference the copies took
        removed = uids_of(rows);
        return copied;
      });
    }
    if (!removed.empty()) {
      std::vector<uint32_t> new_uids;
      for (auto& [a, b] : result.uids) new_uids.push_back(b);
      impl_->notify({ChangeEvent::Kind::exists, to_name, 0, new_uids});
      impl_->notify({ChangeEvent::Kind::expunge, from_name, 0, removed});
    }
    return result;
  });
}

Result<std::vector<uint32_t>> Mailbox::expunge(std::string_view folder, const UidSet& uids) {
  return guarded<Result<std::vector<uint32_t>>>([&]() -> Result<std::vector<uint32_t>> {
    std::vector<uint32_t> removed;
    int64_t removed_bytes = 0;
    std::string name;
    {
      std::lock_guard lock(impl_->write_mutex);
      auto& db = impl_->writer;
      sql::transaction(db, [&] {
        FolderRow f = require_folder(db, folder);
        name = f.name;
        auto rows = select_rows(db, f.id, uids, " AND (flags & 8) != 0");
        remove_rows(db, f, rows);
        removed = uids_of(rows);
        removed_bytes = bytes_of(rows);
      });
      impl_->add_usage(-static_cast<int64_t>(removed.size()), -removed_bytes);
    }
    if (!removed.empty()) impl_->notify({ChangeEvent::Kind::expunge, name, 0, removed});
    return removed;
  });
}

Result<Changes> Mailbox::changes_since(std::string_view folder, uint64_t modseq) {
  return guarded<Result<Changes>>([&]() -> Result<Changes> {
    auto r = impl_->reader();
    auto& db = r.db();
    return sql::transaction_read(db, [&] {
      FolderRow f = require_folder(db, folder);
      Changes c;
      c.highest_modseq = f.highest_modseq;
      auto s =
          db.prepare("SELECT id, uid, modseq, flags FROM messages WHERE folder_id = ? AND modseq > ? ORDER BY uid");
      s.bind(1, f.id).bind(2, static_cast<int64_t>(modseq));
      while (s.step()) {
        FlagUpdate u{static_cast<uint32_t>(s.int64(1)), static_cast<uint64_t>(s.int64(2)), {}};
        u.flags.system = static_cast<uint32_t>(s.int64(3));
        u.flags.keywords = read_keywords(db, s.int64(0));
        c.changed.push_back(std::move(u));
      }
      auto v = db.prepare("SELECT uid FROM expunged WHERE folder_id = ? AND modseq > ? ORDER BY uid");
      v.bind(1, f.id).bind(2, static_cast<int64_t>(modseq));
      while (v.step()) c.vanished.push_back(static_cast<uint32_t>(v.int64(0)));
      return c;
    });
  });
}

Result<std::vector<uint32_t>> Mailbox::list_uids(std::string_view folder) {
  return guarded<Result<std::vector<uint32_t>>>([&]() -> Result<std::vector<uint32_t>> {
    auto r = impl_->reader();
    auto& db = r.db();
    FolderRow f = require_folder(db, folder);
    auto q = db.query("SELECT uid FROM messages WHERE folder_id = ? ORDER BY uid");
    q->bind(1, f.id);
    std::vector<uint32_t> out;
    while (q->step()) out.push_back(static_cast<uint32_t>(q->int64(0)));
    return out;
  });
}

Result<std::vector<std::string>> Mailbox::keywords() {
  return guarded<Result<std::vector<std::string>>>([&]() -> Result<std::vector<std::string>> {
    auto r = impl_->reader();
    auto q = r.db().query("SELECT name FROM keywords ORDER BY name");
    std::vector<std::string> out;
    while (q->step()) out.emplace_back(q->text(0));
    return out;
  });
}

}  // namespace sealmail::store

// Folders: names, special-use (RFC 6154), UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ (RFC 9051 §2.3.1,
// RFC 7162), create/rename/delete with their RFC 9051 §6.3 rules, and the subscription list
// (RFC 9051 §6.3.7, §6.3.8): names, kept apart from the folders so that deleting a folder leaves
// its name subscribed; a created folder is not subscribed (only the default folders of a new
// mailbox are), and a rename carries the subscriptions of the folder and its inferiors to the new
// names (as Dovecot does). \Recent: each folder's first unclaimed recent UID (claim_recent).
#include <strings.h>

#include <tuple>

#include "core/time.h"
#include "store/mailbox_impl.h"

namespace sealmail::store {

namespace {
constexpr size_t kMaxFolderName = 512;

bool is_inbox(std::string_view name) { return name.size() == 5 && strncasecmp(name.data(), "INBOX", 5) == 0; }

const char* const kSpecialUses[] = {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"};
}  // namespace

std::string normalize_folder_name(std::string_view name) {
  if (name.empty()) fail(Errc::invalid_argument, "folder name is empty");
  if (name.size() > kMaxFolderName) fail(Errc::invalid_argument, "folder name is too long");
  if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos)
    fail(Errc::invalid_argument, "folder name has an empty level");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) fail(Errc::invalid_argument, "folder name has a control character");
  // RFC 9051 §5.1: INBOX is case-insensitive, also as the first level of a hierarchy.
  size_t slash = name.find('/');
  std::string_view first = name.substr(0, slash);
  if (is_inbox(first)) return "INBOX" + std::string(slash == std::string_view::npos ? "" : name.substr(slash));
  return std::string(name);
}

std::optional<FolderRow> find_folder(sql::Db& db, std::string_view name) {
  auto& s = db.cached("SELECT id, name, uidvalidity, uidnext, highest_modseq FROM folders WHERE name = ?");
  s.bind(1, std::string_view(normalize_folder_name(name)));
  if (!s.step()) return std::nullopt;
  FolderRow f{s.int64(0), std::string(s.text(1)), static_cast<uint32_t>(s.int64(2)), static_cast<uint32_t>(s.int64(3)),
              static_cast<uint64_t>(s.int64(4))};
  s.reset();
  return f;
}

FolderRow require_folder(sql::Db& db, std::string_view name) {
  auto f = find_folder(db, name);
  if (!f) fail(Errc::not_found, "no such folder");
  return *f;
}

// A SELECT and a single-row UPDATE rather than UPDATE ... RETURNING: RETURNING opens a statement
// journal, and inside a group commit's savepoint each one walks the in-memory journal from its
// start (measured: 10-12% of a batched append).
uint64_t next_modseq(sql::Db& db, int64_t folder_id) {
  auto& get = db.cached("SELECT highest_modseq FROM folders WHERE id = ?");
  get.bind(1, folder_id);
  if (!get.step()) fail(Errc::not_found, "no such folder");
  auto m = static_cast<uint64_t>(get.int64(0)) + 1;
  get.reset();
  db.cached("UPDATE folders SET highest_modseq = ? WHERE id = ?")
      .bind(1, static_cast<int64_t>(m))
      .bind(2, folder_id)
      .run();
  return m;
}

// UIDVALIDITY must change whenever a name is reused for a new folder (RFC 9051 §2.3.1.1): a
// strictly increasing counter seeded from the clock.
uint32_t new_uidvalidity(sql::Db& db) {
  auto get = db.prepare("SELECT value FROM meta WHERE key = 'last_uidvalidity'");
  int64_t last = get.step() ? get.int64(0) : 0;
  int64_t next = std::max<int64_t>(last + 1, unix_now() & 0x7fffffff);
  if (next > 0xffffffffLL) next = 1;
  auto put = db.prepare(
      "INSERT INTO meta(key, value) VALUES ('last_uidvalidity', ?) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  put.bind(1, next).run();
  return static_cast<uint32_t>(next);
}

void insert_folder(sql::Db& db, std::string_view name, std::string_view special_use, bool subscribe) {
  std::string n = normalize_folder_name(name);
  if (!special_use.empty()) {
    bool known = false;
    for (const char* s : kSpecialUses)
      if (strcasecmp(s, std::string(special_use).c_str()) == 0) known = true;
    if (!known) fail(Errc::invalid_argument, "unknown special-use attribute");
  }
  if (find_folder(db, n)) fail(Errc::already_exists, "folder already exists");
  auto s = db.prepare(
      "INSERT INTO folders(name, special_use, uidvalidity, uidnext, highest_modseq, created_at) "
      "VALUES (?, ?, ?, 1, 1, ?)");
  s.bind(1, std::string_view(n));
  if (special_use.empty())
    s.bind_null(2);
  else
    s.bind(2, special_use);
  s.bind(3, static_cast<int64_t>(new_uidvalidity(db))).bind(4, std::string_view(iso8601_utc(unix_now()))).run();
  if (subscribe) db.prepare("INSERT OR IGNORE INTO subscriptions(name) VALUES (?)").bind(1, std::string_view(n)).run();
}

namespace {

// Folders with their counts; `only` restricts to one (normalized) name, so that asking about one
// folder does not count the messages of all of them.
std::vector<FolderInfo> read_folders(sql::Db& db, const std::optional<std::string>& only) {
  auto s = db.prepare(
      "SELECT f.id, f.name, coalesce(f.special_use, ''), EXISTS (SELECT 1 FROM subscriptions s WHERE s.name = f.name), "
      "  f.uidvalidity, f.uidnext, f.highest_modseq, "
      "  (SELECT count(*) FROM messages m WHERE m.folder_id = f.id), "
      "  (SELECT count(*) FROM messages m WHERE m.folder_id = f.id AND (m.flags & 1) = 0), "
      "  (SELECT coalesce(sum(size), 0) FROM messages m WHERE m.folder_id = f.id), "
      "  f.first_recent_uid, "
      "  (SELECT count(*) FROM messages m WHERE m.folder_id = f.id AND m.uid >= f.first_recent_uid) "
      "FROM folders f WHERE ?1 IS NULL OR f.name = ?1 ORDER BY f.name = 'INBOX' DESC, f.name");
  s.bind(1, only);
  std::vector<FolderInfo> out;
  while (s.step()) {
    FolderInfo f;
    f.id = s.int64(0);
    f.name = s.text(1);
    f.special_use = s.text(2);
    f.subscribed = s.int64(3) != 0;
    f.uidvalidity = static_cast<uint32_t>(s.int64(4));
    f.uidnext = static_cast<uint32_t>(s.int64(5));
    f.highest_modseq = static_cast<uint64_t>(s.int64(6));
    f.messages = static_cast<uint32_t>(s.int64(7));
    f.unseen = static_cast<uint32_t>(s.int64(8));
    f.size = static_cast<uint64_t>(s.int64(9));
    f.first_recent_uid = static_cast<uint32_t>(s.int64(10));
    f.recent = static_cast<uint32_t>(s.int64(11));
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Result<std::vector<FolderInfo>> Mailbox::list_folders() {
  return guarded<Result<std::vector<FolderInfo>>>([&]() -> Result<std::vector<FolderInfo>> {
    auto r = impl_->reader();
    return read_folders(r.db(), std::nullopt);
  });
}

Result<FolderInfo> Mailbox::folder(std::string_view name) {
  return guarded<Result<FolderInfo>>([&]() -> Result<FolderInfo> {
    std::string n = normalize_folder_name(name);
    auto r = impl_->reader();
    auto found = read_folders(r.db(), n);
    if (found.empty()) fail(Errc::not_found, "no such folder");
    return std::move(found.front());
  });
}

Status Mailbox::create_folder(std::string_view name, std::string_view special_use) {
  return guarded<Status>([&]() -> Status {
    std::lock_guard lock(impl_->write_mutex);
    sql::transaction(impl_->writer, [&] {
      // RFC 9051 §6.3.4: creating "a/b/c" also creates the missing superiors.
      std::string n = normalize_folder_name(name);
      for (size_t pos = n.find('/'); pos != std::string::npos; pos = n.find('/', pos + 1))
        if (!find_folder(impl_->writer, n.substr(0, pos))) insert_folder(impl_->writer, n.substr(0, pos), "");
      insert_folder(impl_->writer, n, special_use);
    });
    impl_->notify({ChangeEvent::Kind::folders, std::string(name), 0, {}});
    return {};
  });
}

Status Mailbox::rename_folder(std::string_view from, std::string_view to) {
  return guarded<Status>([&]() -> Status {
    std::lock_guard lock(impl_->write_mutex);
    auto& db = impl_->writer;
    sql::transaction(db, [&] {
      FolderRow src = require_folder(db, from);
      std::string dst = normalize_folder_name(to);
      if (find_folder(db, dst)) fail(Errc::already_exists, "target folder already exists");
      if (dst.rfind(src.name + "/", 0) == 0) fail(Errc::invalid_argument, "cannot move a folder into itself");
      for (size_t pos = dst.find('/'); pos != std::string::npos; pos = dst.find('/', pos + 1))
        if (!find_folder(db, dst.substr(0, pos))) insert_folder(db, dst.substr(0, pos), "");
      if (src.name == "INBOX") {
        // RFC 9051 §6.3.6: renaming INBOX moves its messages to the new folder; INBOX stays, empty.
        insert_folder(db, dst, "");
        FolderRow target = require_folder(db, dst);
        uint64_t modseq = next_modseq(db, src.id);
        db.prepare(
              "INSERT OR REPLACE INTO expunged(folder_id, uid, modseq) SELECT ?1, uid, ?2 FROM messages "
              "WHERE folder_id = ?1")
            .bind(1, src.id)
            .bind(2, static_cast<int64_t>(modseq))
            .run();
        // The new folder has a fresh UIDVALIDITY, so the messages keep their UIDs there.
        db.prepare("UPDATE messages SET folder_id = ?1 WHERE folder_id = ?2").bind(1, target.id).bind(2, src.id).run();
        db.prepare("UPDATE folders SET uidnext = ?2, highest_modseq = ?3 WHERE id = ?1")
            .bind(1, target.id)
            .bind(2, static_cast<int64_t>(src.uidnext))
            .bind(3, static_cast<int64_t>(modseq))
            .run();
        return;
      }
      // The folder and its inferiors keep their ids (and UIDVALIDITY) under the new names.
      auto s = db.prepare(
          "UPDATE folders SET name = ?2 || substr(name, length(?1) + 1) WHERE name = ?1 OR name LIKE ?3 ESCAPE '\\'");
      std::string like;
      for (char c : src.name) {
        if (c == '%' || c == '_' || c == '\\') like += '\\';
        like += c;
      }
      like += "/%";
      s.bind(1, std::string_view(src.name)).bind(2, std::string_view(dst)).bind(3, std::string_view(like)).run();
      db.prepare(
            "INSERT OR IGNORE INTO subscriptions(name) SELECT ?2 || substr(name, length(?1) + 1) FROM subscriptions "
            "WHERE name = ?1 OR name LIKE ?3 ESCAPE '\\'")
          .bind(1, std::string_view(src.name))
          .bind(2, std::string_view(dst))
          .bind(3, std::string_view(like))
          .run();
      db.prepare("DELETE FROM subscriptions WHERE name = ?1 OR name LIKE ?2 ESCAPE '\\'")
          .bind(1, std::string_view(src.name))
          .bind(2, std::string_view(like))
          .run();
    });
    impl_->notify({ChangeEvent::Kind::folders, std::string(from), 0, {}});
    return {};
  });
}

Status Mailbox::delete_folder(std::string_view name) {
  return guarded<Status>([&]() -> Status {
    std::lock_guard lock(impl_->write_mutex);
    auto& db = impl_->writer;
    int64_t removed_bytes = 0;
    std::vector<int64_t> bodies;
    sql::transaction(db, [&] {
      bodies.clear();
      removed_bytes = 0;
      FolderRow f = require_folder(db, name);
      if (f.name == "INBOX") fail(Errc::invalid_argument, "INBOX cannot be deleted");
      // Messages go with the folder (RFC 9051 §6.3.5); bodies and attachments lose a reference.
      auto list = db.prepare("SELECT id, body_id, size FROM messages WHERE folder_id = ?");
      list.bind(1, f.id);
      while (list.step()) {
        bodies.push_back(list.int64(1));
        removed_bytes += list.int64(2);
      }
      db.prepare("DELETE FROM messages WHERE folder_id = ?").bind(1, f.id).run();
      for (int64_t b : bodies) release_body(db, b);
      db.prepare("DELETE FROM expunged WHERE folder_id = ?").bind(1, f.id).run();
      db.prepare("DELETE FROM folders WHERE id = ?").bind(1, f.id).run();
    });
    impl_->add_usage(-static_cast<int64_t>(bodies.size()), -removed_bytes);
    impl_->notify({ChangeEvent::Kind::folders, std::string(name), 0, {}});
    return {};
  });
}

Status Mailbox::set_subscribed(std::string_view name, bool subscribed) {
  return guarded<Status>([&]() -> Status {
    std::lock_guard lock(impl_->write_mutex);
    auto& db = impl_->writer;
    if (subscribed) {
      // RFC 9051 §6.3.7: the server MAY check that the folder exists; we do.
      FolderRow f = require_folder(db, name);
      db.prepare("INSERT OR IGNORE INTO subscriptions(name) VALUES (?)").bind(1, std::string_view(f.name)).run();
      return {};
    }
    // Whether or not the folder exists (RFC 9051 §6.3.8).
    db.prepare("DELETE FROM subscriptions WHERE name = ?").bind(1, std::string_view(normalize_folder_name(name))).run();
    if (db.changes() == 0) fail(Errc::not_found, "not subscribed");
    return {};
  });
}

Result<UidRange> Mailbox::claim_recent(std::string_view name) {
  return guarded<Result<UidRange>>([&]() -> Result<UidRange> {
    std::string n = normalize_folder_name(name);
    auto unclaimed = [&n](sql::Db& db) {
      auto& s = db.cached("SELECT id, first_recent_uid, uidnext FROM folders WHERE name = ?");
      s.bind(1, std::string_view(n));
      if (!s.step()) fail(Errc::not_found, "no such folder");
      std::tuple<int64_t, uint32_t, uint32_t> out{s.int64(0), static_cast<uint32_t>(s.int64(1)),
                                                  static_cast<uint32_t>(s.int64(2))};
      s.reset();
      return out;
    };
    // Most calls find nothing new: answered from a reader, without waiting for the writer.
    {
      auto r = impl_->reader();
      auto seen = unclaimed(r.db());
      if (std::get<1>(seen) >= std::get<2>(seen)) return UidRange{std::get<2>(seen), std::get<2>(seen) - 1};
    }
    std::lock_guard lock(impl_->write_mutex);
    auto& db = impl_->writer;
    auto [id, first, next] = unclaimed(db);
    if (first >= next) return UidRange{next, next - 1};
    // Losing a claim to a power cut only makes these messages recent once more, so this commit is
    // not worth an fsync of its own (the next durable commit syncs the WAL with it).
    bool durable = impl_->options.durable;
    if (durable) db.exec("PRAGMA synchronous = NORMAL");
    try {
      db.cached("UPDATE folders SET first_recent_uid = ? WHERE id = ?")
          .bind(1, static_cast<int64_t>(next))
          .bind(2, id)
          .run();
    } catch (...) {
      if (durable) db.exec("PRAGMA synchronous = FULL");
      throw;
    }
    if (durable) db.exec("PRAGMA synchronous = FULL");
    return UidRange{first, next - 1};
  });
}

Result<std::vector<std::string>> Mailbox::list_subscriptions() {
  return guarded<Result<std::vector<std::string>>>([&]() -> Result<std::vector<std::string>> {
    auto r = impl_->reader();
    auto s = r.db().prepare("SELECT name FROM subscriptions ORDER BY name = 'INBOX' DESC, name");
    std::vector<std::string> names;
    while (s.step()) names.emplace_back(s.text(0));
    return names;
  });
}

}  // namespace sealmail::store

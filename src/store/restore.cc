#include "store/restore.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "core/fs.h"
#include "core/hex.h"
#include "core/time.h"
#include "store/mailbox.h"
#include "store/mailbox_impl.h"

namespace sealmail::store {

namespace {

std::string digest_rows(sql::Db& db) {
  std::vector<std::string> tables;
  {
    auto s = db.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name");
    while (s.step()) tables.emplace_back(s.text(0));
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  auto feed = [&](const void* p, size_t n) { EVP_DigestUpdate(ctx, p, n); };
  auto feed_len = [&](uint64_t n) { feed(&n, sizeof n); };
  try {
    for (const auto& table : tables) {
      feed_len(table.size());
      feed(table.data(), table.size());
      std::string quoted = "\"";
      for (char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      quoted += '"';
      auto s = db.prepare("SELECT * FROM " + quoted);
      int columns = sqlite3_column_count(s.get());
      while (s.step()) {
        for (int i = 0; i < columns; ++i) {
          int type = sqlite3_column_type(s.get(), i);
          feed(&type, sizeof type);
          if (type == SQLITE_INTEGER) {
            int64_t v = s.int64(i);
            feed(&v, sizeof v);
          } else if (type == SQLITE_FLOAT) {
            double v = sqlite3_column_double(s.get(), i);
            feed(&v, sizeof v);
          } else if (type != SQLITE_NULL) {
            auto v = type == SQLITE_TEXT ? s.text(i) : s.blob(i);
            feed_len(v.size());
            feed(v.data(), v.size());
          }
        }
      }
    }
  } catch (...) {
    EVP_MD_CTX_free(ctx);
    throw;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  return to_hex(std::span<const uint8_t>(digest, len));
}

// The largest UIDVALIDITY a mailbox file ever gave out (its folders' and the counter's).
int64_t highest_uidvalidity(sql::Db& db) {
  auto s = db.prepare(
      "SELECT max(coalesce((SELECT max(uidvalidity) FROM folders), 0), "
      "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_uidvalidity'), 0))");
  s.step();
  return s.int64(0);
}

// Opens `file` as a Mailbox (which checks the password and maps every failure to the store's
// errors) only to learn its key, then closes it; the caller works on a plain connection.
Result<crypto::SecretBuffer> raw_key_of(const std::filesystem::path& file, const crypto::SecretBuffer& password) {
  Options options;
  options.create_default_folders = false;
  auto m = Mailbox::open(file, password, options);
  if (!m) return m.error();
  return (*m)->key().raw_key_string();
}

void remove_siblings(const std::filesystem::path& file, std::initializer_list<const char*> suffixes) {
  for (const char* suffix : suffixes) (void)fs::remove_if_exists(sibling(file, suffix));
}

}  // namespace

Result<std::string> content_digest(const std::filesystem::path& file, const crypto::MailboxKey& key) {
  return guarded<Result<std::string>>([&]() -> Result<std::string> {
    auto raw = key.raw_key_string();
    sql::Db db = sql::open(file, raw.bytes(), false);
    return sql::transaction_read(db, [&] { return digest_rows(db); });
  });
}

Status restore_mailbox(const std::filesystem::path& file, const std::filesystem::path& snapshot,
                       const crypto::SecretBuffer& password) {
  if (snapshot.parent_path() != file.parent_path())
    return make_error(Errc::invalid_argument, "a restored snapshot must sit beside the mailbox file");
  // Above every value the clock gave and every value either file holds: a client's cached
  // UIDVALIDITY can only have come from one of these.
  int64_t floor = unix_now() & 0x7fffffff;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    auto raw = raw_key_of(file, password);
    if (!raw) {
      if (raw.error().code == Errc::wrong_password)
        return make_error(Errc::wrong_password, "the mailbox does not open with this password");
      return raw.error();
    }
    auto got = guarded<Result<int64_t>>([&]() -> Result<int64_t> {
      sql::Db db = sql::open(file, raw->bytes(), false);
      return highest_uidvalidity(db);
    });
    if (!got) return got.error();
    floor = std::max(floor, *got);
  }
  auto raw = raw_key_of(snapshot, password);
  remove_siblings(snapshot, {".lock", ".usage"});
  if (!raw) {
    if (raw.error().code == Errc::wrong_password)
      return make_error(Errc::wrong_password, "the backup does not open with this password");
    return raw.error();
  }
  auto renewed = guarded<Status>([&]() -> Status {
    sql::Db db = sql::open(snapshot, raw->bytes(), false);
    floor = std::max(floor, highest_uidvalidity(db));
    sql::transaction(db, [&] {
      std::vector<int64_t> ids;
      {
        auto s = db.prepare("SELECT id FROM folders ORDER BY id");
        while (s.step()) ids.push_back(s.int64(0));
      }
      for (int64_t id : ids) {
        if (++floor > 0xffffffffLL) fail(Errc::internal, "UIDVALIDITY would wrap");
        db.prepare("UPDATE folders SET uidvalidity = ? WHERE id = ?").bind(1, floor).bind(2, id).run();
      }
      db.prepare(
            "INSERT INTO meta(key, value) VALUES ('last_uidvalidity', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
          .bind(1, floor)
          .run();
    });
    auto check = db.prepare("PRAGMA quick_check");
    std::string result = check.step() ? std::string(check.text(0)) : "no answer";
    if (result != "ok") fail(Errc::corrupt, "the backup failed its check: " + result);
    check = sql::Stmt();
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return {};
  });  // closed: its log is folded into the file
  if (!renewed) return renewed;
  remove_siblings(snapshot, {"-wal", "-shm"});
  SEALMAIL_TRY(fs::fsync_file(snapshot));

  // Every other user of the file, in any process, must be gone: they hold a shared lock.
  auto lock_path = sibling(file, ".lock");
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io, "cannot open the mailbox's lock file");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return make_error(Errc::busy, "the mailbox is open; close its sessions first");
  }
  // The old log goes before the rename: frames of the old file replayed onto the restored one
  // would corrupt it.
  Status st;
  for (const char* suffix : {"-wal", "-shm", ".usage"}) {
    if (auto s = fs::remove_if_exists(sibling(file, suffix)); !s && st) st = s;
  }
  if (st) st = fs::fsync_directory(file.parent_path());
  if (st) st = fs::durable_rename(snapshot, file);
  ::close(fd);
  return st;
}

}  // namespace sealmail::store

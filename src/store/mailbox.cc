#include "store/mailbox.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/fs.h"
#include "core/time.h"
#include "mime/message_info.h"
#include "store/mailbox_impl.h"
#include "store/schema.h"
#include "store/sql_functions.h"
#include "store/usage_hint.h"

namespace sealmail::store {

namespace {

// A shared flock on "<file>.lock" for as long as the mailbox is open, in any process. rekey and
// destroy need it exclusive, so they never pull the file from under another user.
Result<int> lock_mailbox(const std::filesystem::path& file) {
  auto lock_path = sibling(file, ".lock");
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io, std::string("cannot create lock file: ") + std::strerror(errno));
  if (::flock(fd, LOCK_SH) != 0) {
    int err = errno;
    ::close(fd);
    return make_error(Errc::io, std::string("cannot lock mailbox: ") + std::strerror(err));
  }
  return fd;
}

const char* const kDefaultFolders[][2] = {
    {"INBOX", ""},      {"Drafts", "\\Drafts"}, {"Sent", "\\Sent"},
    {"Junk", "\\Junk"}, {"Trash", "\\Trash"},   {"Archive", "\\Archive"},
};

// Applies the pragmas every connection needs (DESIGN.md point 1). temp_store is MEMORY, not FILE:
// SQLite3 Multiple Ciphers does not encrypt temporary files, so sorts and temporary tables must
// never reach the disk.
void apply_pragmas(sql::Db& db, const Options& options) {
  sqlite3_busy_timeout(db.get(), 5000);
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA secure_delete = ON");
  db.exec("PRAGMA temp_store = MEMORY");
  db.exec(options.durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

// The writer's WAL hook, called after each commit with the log's length in frames.
int on_wal_commit(void* arg, sqlite3* db, const char* schema, int frames) {
  auto* impl = static_cast<Mailbox::Impl*>(arg);
  // First, before any checkpoint here can let the next write restart the log.
  if (impl->wal_capturing.load(std::memory_order_relaxed)) capture_wal_commit(*impl, frames);
  if (frames >= kSelfCheckpointFrames)
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  else if (frames >= kCheckpointFrames)
    impl->checkpoints->request();
  return SQLITE_OK;
}

}  // namespace

Mailbox::Impl::Impl(std::filesystem::path p, crypto::MailboxKey k, Options o)
    : path(std::move(p)), key(std::move(k)), options(o) {
  checkpoints = std::make_shared<CheckpointTicket>([this] {
    auto lease = reader();
    sqlite3_wal_checkpoint_v2(lease.db().get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  });
}

void Mailbox::Impl::adopt_writer(sql::Db db) {
  writer = std::move(db);
  // Replaces SQLite's own hook, and with it the checkpoint it would run inside this commit.
  sqlite3_wal_hook(writer.get(), on_wal_commit, this);
}

Mailbox::Impl::~Impl() {
  checkpoints->close();
  if (writer.is_open()) {
    try {
      // For quota checks while the mailbox is closed (usage_hint.h).
      auto s = writer.prepare("SELECT coalesce(sum(size), 0) FROM messages");
      if (s.step()) write_usage_hint(path, static_cast<uint64_t>(s.int64(0)));
    } catch (const sql::Error&) {
    }
    try {
      writer.exec("PRAGMA optimize = 0x10002");
    } catch (const sql::Error&) {
      // Closing must not fail because the optimizer could not run (e.g. busy).
    }
  }
  idle_readers.clear();
  writer.close();
  if (lock_fd >= 0) ::close(lock_fd);
}

sql::Db Mailbox::Impl::connect(bool create) const {
  std::span<const uint8_t> key_bytes;
  crypto::SecretBuffer raw;
  if (options.encrypted) {
    raw = key.raw_key_string();
    key_bytes = raw.bytes();
  }
  sql::Db db = sql::open(path, key_bytes, create);
  // The first statement reads page 1: with a wrong key it fails with SQLITE_NOTADB here.
  db.exec("SELECT count(*) FROM sqlite_schema");
  apply_pragmas(db, options);
  register_sql_functions(db);
  return db;
}

Mailbox::Impl::Reader::~Reader() {
  std::lock_guard lock(impl_.readers_mutex);
  if (static_cast<int>(impl_.idle_readers.size()) < impl_.options.max_readers && db_.is_open())
    impl_.idle_readers.push_back(std::move(db_));
}

Mailbox::Impl::Reader Mailbox::Impl::reader() {
  std::shared_lock file_lock(file_mutex);
  {
    std::lock_guard lock(readers_mutex);
    if (!idle_readers.empty()) {
      sql::Db db = std::move(idle_readers.back());
      idle_readers.pop_back();
      return Reader(*this, std::move(file_lock), std::move(db));
    }
  }
  sql::Db db = connect(false);
  // A reader of a large mailbox gets a larger page cache: searches walk indexes of megabytes
  // (100,000 messages: the (folder, UID, body) index alone is about 1.6 MB), and every page read
  // again is decrypted again. Measured there, a 3-character body search (89,000 hits) took 20.4 ms
  // at p50 with SQLite's 2 MB and 17.2 ms with 16 MB. A 64th of the file, at least the default and
  // at most 16 MB; pages are only allocated as they are read.
  std::error_code ec;
  auto file_bytes = std::filesystem::file_size(path, ec);
  uint64_t kib = ec ? 0 : std::min<uint64_t>(file_bytes / 1024 / 64, 16 * 1024);
  if (kib > 2000) db.exec(("PRAGMA cache_size = -" + std::to_string(kib)).c_str());
  return Reader(*this, std::move(file_lock), std::move(db));
}

void Mailbox::Impl::drop_readers() {
  std::lock_guard lock(readers_mutex);
  idle_readers.clear();
}

void Mailbox::Impl::notify(const ChangeEvent& event) {
  std::vector<Listener> copy;
  {
    std::lock_guard lock(listeners_mutex);
    for (auto& [token, l] : listeners) copy.push_back(l);
  }
  for (auto& l : copy) l(event);
}

Mailbox::Mailbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Mailbox::~Mailbox() = default;

const std::filesystem::path& Mailbox::path() const { return impl_->path; }
const crypto::MailboxKey& Mailbox::key() const { return impl_->key; }

Result<std::unique_ptr<Mailbox>> Mailbox::create(const std::filesystem::path& file,
                                                 const crypto::SecretBuffer& password, const Options& options) {
  mime::init();
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) return make_error(Errc::already_exists, "mailbox file already exists");
  if (password.empty() && options.encrypted) return make_error(Errc::invalid_argument, "the password is empty");
  auto lock = lock_mailbox(file);
  if (!lock) return lock.error();
  auto impl = std::make_unique<Impl>(file, crypto::MailboxKey::derive(password, crypto::random_salt()), options);
  impl->lock_fd = *lock;
  auto created = guarded<Result<std::unique_ptr<Mailbox>>>([&]() -> Result<std::unique_ptr<Mailbox>> {
    sql::Db db = impl->connect(true);
    // auto_vacuum must be set before the first table; encoding before anything is written.
    db.exec("PRAGMA auto_vacuum = FULL");
    db.exec("PRAGMA encoding = 'UTF-8'");
    db.exec("PRAGMA journal_mode = WAL");
    sql::transaction(db, [&] {
      create_schema(db);
      auto meta = db.prepare("INSERT INTO meta(key, value) VALUES (?, ?)");
      meta.bind(1, std::string_view("created_at")).bind(2, std::string_view(iso8601_utc(unix_now()))).run();
      auto kp = crypto::generate_box_key_pair();
      auto pub = db.prepare("INSERT INTO meta(key, value) VALUES ('box_public_key', ?)");
      pub.bind_blob(1, std::span<const uint8_t>(kp.public_key)).run();
      auto sec = db.prepare("INSERT INTO secrets(name, value) VALUES ('box_secret_key', ?)");
      sec.bind_blob(1, kp.secret_key.bytes()).run();
      if (options.create_default_folders)
        for (const auto& f : kDefaultFolders) insert_folder(db, f[0], f[1], /*subscribe=*/true);
    });
    impl->adopt_writer(std::move(db));
    return std::unique_ptr<Mailbox>(new Mailbox(std::move(impl)));
  });
  if (!created) {
    // Half a mailbox is no mailbox: leave nothing behind.
    impl.reset();
    for (const char* suffix : {"", "-wal", "-shm", ".lock"}) (void)fs::remove_if_exists(sibling(file, suffix));
  }
  return created;
}

Result<std::unique_ptr<Mailbox>> Mailbox::open(const std::filesystem::path& file, const crypto::SecretBuffer& password,
                                               const Options& options) {
  auto salt = crypto::read_salt(file);
  if (!salt) return salt.error();
  return open_with_key(file, crypto::MailboxKey::derive(password, *salt), options);
}

Result<std::unique_ptr<Mailbox>> Mailbox::open_with_key(const std::filesystem::path& file, crypto::MailboxKey key,
                                                        const Options& options) {
  mime::init();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return make_error(Errc::not_found, "no mailbox file " + file.filename().string());
  // Waits while another process re-keys the file (it holds the lock exclusively).
  auto lock = lock_mailbox(file);
  if (!lock) return lock.error();
  // A copy left by a rekey that died before its rename is never the mailbox. Holding the shared
  // lock, no rekey can be running: remove it.
  (void)fs::remove_if_exists(sibling(file, ".rekey"));
  auto impl = std::make_unique<Impl>(file, std::move(key), options);
  impl->lock_fd = *lock;
  return guarded<Result<std::unique_ptr<Mailbox>>>([&]() -> Result<std::unique_ptr<Mailbox>> {
    // Opening a WAL database with the wrong key must not write anything: the key check
    // (first read of page 1) happens before journal_mode or any migration.
    sql::Db db = impl->connect(false);
    db.exec("PRAGMA journal_mode = WAL");
    auto status = migrate_and_validate(db);
    if (!status) return status.error();
    impl->adopt_writer(std::move(db));
    return std::unique_ptr<Mailbox>(new Mailbox(std::move(impl)));
  });
}

Status Mailbox::destroy(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return make_error(Errc::not_found, "no mailbox file " + file.filename().string());
  auto lock_path = sibling(file, ".lock");
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return make_error(Errc::busy, "mailbox is in use; close it first");
  }
  Status st;
  for (const char* suffix : {"", "-wal", "-shm", ".rekey", ".lock", ".usage"}) {
    auto s = fs::remove_if_exists(sibling(file, suffix));
    if (!s && st) st = s;
  }
  if (fd >= 0) ::close(fd);
  if (st) st = fs::fsync_directory(file.parent_path());
  return st;
}

Result<Quota> Mailbox::quota() {
  return guarded<Result<Quota>>([&]() -> Result<Quota> {
    Quota q;
    {
      std::unique_lock usage_lock(impl_->usage_mutex);
      if (!impl_->usage) {
        // The first call sums once, holding the write lock so that no commit lands between the
        // sum and the moment writes start keeping the count (mailbox_impl.h: usage).
        usage_lock.unlock();
        std::lock_guard write_lock(impl_->write_mutex);
        auto s = impl_->writer.prepare("SELECT count(*), coalesce(sum(size), 0) FROM messages");
        s.step();
        usage_lock.lock();
        if (!impl_->usage) impl_->usage.emplace(s.int64(0), s.int64(1));
      }
      q.messages = static_cast<uint64_t>(std::max<int64_t>(impl_->usage->first, 0));
      q.bytes = static_cast<uint64_t>(std::max<int64_t>(impl_->usage->second, 0));
    }
    std::error_code ec;
    for (const char* suffix : {"", "-wal"}) {
      auto size = std::filesystem::file_size(sibling(impl_->path, suffix), ec);
      if (!ec) q.file_bytes += size;
    }
    return q;
  });
}

Status Mailbox::check() {
  return guarded<Status>([&]() -> Status {
    auto r = impl_->reader();
    auto& db = r.db();
    auto s = db.prepare("PRAGMA integrity_check");
    std::string first;
    if (s.step()) first = std::string(s.text(0));
    if (first != "ok") return make_error(Errc::corrupt, "integrity check failed: " + first);
    auto fk = db.prepare("PRAGMA foreign_key_check");
    if (fk.step()) return make_error(Errc::corrupt, "a row refers to a missing " + std::string(fk.text(2)));
    // Every stored message rebuilds to the bytes it was stored as (same SHA-256).
    return sql::transaction_read(db, [&]() -> Status {
      auto bodies = db.prepare("SELECT id, sha256 FROM bodies");
      while (bodies.step()) {
        std::string expected(bodies.blob(1));
        auto actual = sha256(load_message(db, bodies.int64(0)));
        if (expected.size() != actual.size() || std::memcmp(expected.data(), actual.data(), actual.size()) != 0)
          return make_error(Errc::corrupt, "stored message " + std::to_string(bodies.int64(0)) + " does not rebuild");
      }
      return {};
    });
  });
}

Result<crypto::BoxKeyPair> Mailbox::box_key_pair() {
  return guarded<Result<crypto::BoxKeyPair>>([&]() -> Result<crypto::BoxKeyPair> {
    auto r = impl_->reader();
    auto pub = r.db().prepare("SELECT value FROM meta WHERE key = 'box_public_key'");
    auto sec = r.db().prepare("SELECT value FROM secrets WHERE name = 'box_secret_key'");
    if (!pub.step() || !sec.step()) return make_error(Errc::corrupt, "mailbox has no key pair");
    crypto::BoxKeyPair kp{{}, crypto::SecretBuffer::from(sec.blob(0))};
    auto p = pub.blob(0);
    if (p.size() != kp.public_key.size() || kp.secret_key.size() != 32)
      return make_error(Errc::corrupt, "mailbox key pair has the wrong size");
    std::memcpy(kp.public_key.data(), p.data(), p.size());
    return kp;
  });
}

int Mailbox::subscribe(Listener listener) {
  std::lock_guard lock(impl_->listeners_mutex);
  int token = impl_->next_listener++;
  impl_->listeners[token] = std::move(listener);
  return token;
}

void Mailbox::unsubscribe(int token) {
  std::lock_guard lock(impl_->listeners_mutex);
  impl_->listeners.erase(token);
}

}  // namespace sealmail::store

// Whole-mailbox operations: backup snapshot and rekey (the seeds' VACUUM INTO recipe; the seeds'
// own service lost mailboxes when a password change failed half way, so rekey never works in
// place).
#include <sys/file.h>

#include <cctype>
#include <cstdio>
#include <cstring>

#include "core/fs.h"
#include "core/hex.h"
#include "store/mailbox_impl.h"

namespace sealmail::store {

namespace {

// "file:<percent-encoded absolute path>?cipher=chacha20&key=raw:<hex key><hex salt>" in locked
// memory; bound as a parameter, so the key never appears in SQL text.
crypto::SecretBuffer target_uri(const std::filesystem::path& target, const crypto::MailboxKey* key) {
  std::string path = std::filesystem::absolute(target).string();
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_') {
      uri += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      uri += buf;
    }
  }
  if (key == nullptr) return crypto::SecretBuffer::from(uri);
  uri += "?cipher=";
  uri += sql::cipher_name();  // the chacha20 format, whichever implementation writes it
  uri += "&key=";
  auto raw = key->raw_key_string();
  crypto::SecretBuffer out(uri.size() + raw.size());
  std::memcpy(out.data(), uri.data(), uri.size());
  std::memcpy(out.data() + uri.size(), raw.data(), raw.size());
  return out;
}

void vacuum_into(sql::Db& db, const std::filesystem::path& target, const crypto::MailboxKey* key) {
  auto uri = target_uri(target, key);
  auto s = db.prepare("VACUUM INTO ?");
  s.bind(1, uri.view());
  s.run();
}

// Opens a copy with its key and runs quick_check; returns the number of messages in it.
int64_t verify_copy(const std::filesystem::path& file, const crypto::MailboxKey* key) {
  std::span<const uint8_t> key_bytes;
  crypto::SecretBuffer raw;
  if (key != nullptr) {
    raw = key->raw_key_string();
    key_bytes = raw.bytes();
  }
  sql::Db db = sql::open(file, key_bytes, false);
  auto check = db.prepare("PRAGMA quick_check");
  std::string result = check.step() ? std::string(check.text(0)) : "no answer";
  if (result != "ok") fail(Errc::corrupt, "the copy failed its check: " + result);
  auto count = db.prepare("SELECT count(*) FROM messages");
  count.step();
  return count.int64(0);
}

int64_t message_count(sql::Db& db) {
  auto s = db.prepare("SELECT count(*) FROM messages");
  s.step();
  return s.int64(0);
}

}  // namespace

Result<Snapshot> Mailbox::backup_snapshot(const std::filesystem::path& dest) {
  return guarded<Result<Snapshot>>([&]() -> Result<Snapshot> {
    std::error_code ec;
    if (std::filesystem::exists(dest, ec)) fail(Errc::already_exists, "backup target already exists");
    const crypto::MailboxKey* key = impl_->options.encrypted ? &impl_->key : nullptr;
    {
      // The seeds' recipe: take the write lock, checkpoint, VACUUM INTO a snapshot.
      std::lock_guard lock(impl_->write_mutex);
      impl_->writer.exec("PRAGMA wal_checkpoint(PASSIVE)");
      vacuum_into(impl_->writer, dest, key);
    }
    verify_copy(dest, key);
    auto st = fs::fsync_file(dest);
    if (!st) return st.error();
    auto hash = fs::sha256_file_hex(dest);
    if (!hash) return hash.error();
    return Snapshot{dest.string(), *hash, std::filesystem::file_size(dest)};
  });
}

Status Mailbox::rekey(const crypto::SecretBuffer& new_password) {
  if (!impl_->options.encrypted) return make_error(Errc::invalid_argument, "an unencrypted mailbox has no key");
  if (new_password.empty()) return make_error(Errc::invalid_argument, "the new password is empty");
  std::lock_guard lock(impl_->write_mutex);
  std::unique_lock file_lock(impl_->file_mutex);  // no reader of this process is inside the file
  // Every other user of the file, in any process, must be gone: they hold a shared lock.
  if (::flock(impl_->lock_fd, LOCK_EX | LOCK_NB) != 0)
    return make_error(Errc::busy, "the mailbox is open elsewhere; close other sessions first");
  struct Downgrade {
    int fd;
    ~Downgrade() { ::flock(fd, LOCK_SH); }
  } downgrade{impl_->lock_fd};

  // A new key makes a new file: frames captured from here on would not apply to the last base.
  impl_->wal_capturing = false;
  impl_->wal_capture.reset();
  auto copy = sibling(impl_->path, ".rekey");
  auto new_key = crypto::MailboxKey::derive(new_password, crypto::random_salt());
  auto status = guarded<Status>([&]() -> Status {
    impl_->drop_readers();
    (void)fs::remove_if_exists(copy);
    impl_->writer.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    int64_t expected = message_count(impl_->writer);
    // 1. A copy under the new key beside the file; the original is untouched.
    vacuum_into(impl_->writer, copy, &new_key);
    // 2. The copy opens with the new key, passes its check, and holds every message.
    if (verify_copy(copy, &new_key) != expected) fail(Errc::corrupt, "the re-keyed copy lost messages");
    auto st = fs::fsync_file(copy);
    if (!st) return st;
    // 3. Close the original: the last connection checkpoints and removes its WAL, so no frame
    //    under the old key can be replayed onto the new file.
    impl_->writer.close();
    std::error_code ec;
    auto wal_size = std::filesystem::file_size(sibling(impl_->path, "-wal"), ec);
    if (!ec && wal_size > 0) fail(Errc::busy, "the mailbox's log could not be emptied; try again");
    (void)fs::remove_if_exists(sibling(impl_->path, "-wal"));
    (void)fs::remove_if_exists(sibling(impl_->path, "-shm"));
    // 4. The atomic step: rename over the original, then fsync the directory.
    st = fs::durable_rename(copy, impl_->path);
    if (!st) return st;
    return {};
  });
  if (status) impl_->key = std::move(new_key);
  // Reopen under whichever key the file now has (the old one if anything above failed).
  (void)fs::remove_if_exists(copy);
  if (!impl_->writer.is_open()) {
    auto reopened = guarded<Status>([&]() -> Status {
      impl_->adopt_writer(impl_->connect(false));
      impl_->writer.exec("PRAGMA journal_mode = WAL");
      return {};
    });
    if (!reopened) return reopened;
  }
  return status;
}

}  // namespace sealmail::store

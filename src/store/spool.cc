#include "store/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <set>
#include <vector>

#include "core/fs.h"
#include "core/hex.h"
#include "crypto/secret.h"
#include "store/spool_file.h"

namespace sealmail::store {

namespace {

constexpr const char* kSuffix = ".sealed";
// An entry for the Junk folder (issue 9) is named "<seq>-<random>-junk.sealed".
constexpr const char* kJunkMark = "-junk";
constexpr std::string_view kJunkEnding = "-junk.sealed";
constexpr const char* kTmpPrefix = ".tmp-";
// A file still being written is never older than this; older ones were left by a crash before
// the SMTP answer (the sender retries), so drain() removes them.
constexpr auto kStaleTmpAge = std::chrono::hours(1);
// A drain moves entries in transactions of at most this many messages / plaintext bytes: one
// fsync per batch, and bounded memory however much waited.
constexpr size_t kBatchCount = 256;
constexpr size_t kBatchBytes = 32u << 20;

Error io_error(const std::string& what, int err) { return make_error(Errc::io, what + ": " + std::strerror(err)); }

// Mailbox ids are random hex (directory::new_mailbox_id); the id becomes a path component, so
// anything else is refused rather than trusted.
Status check_id(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
  });
  if (!ok) return make_error(Errc::invalid_argument, "not a mailbox id");
  return {};
}

// mkdir, and fsync of the parent when the directory is new, so that a file renamed into it
// later cannot vanish with its directory in a crash.
Status ensure_directory(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return fs::fsync_directory(dir.parent_path());
  if (errno == EEXIST) return {};
  return io_error("create spool directory " + dir.filename().string(), errno);
}

bool is_entry(const std::string& name) {
  return name.size() > std::strlen(kSuffix) && name[0] != '.' &&
         name.compare(name.size() - std::strlen(kSuffix), std::string::npos, kSuffix) == 0;
}

// The entries waiting in `dir`, in arrival order (their names sort so). Removes stale temporary
// files on the way. A missing directory is an empty spool.
Result<std::vector<std::string>> list_entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return names;
    return make_error(Errc::io, "list spool: " + ec.message());
  }
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& e : it) {
    std::string name = e.path().filename().string();
    if (is_entry(name)) {
      names.push_back(std::move(name));
    } else if (name.rfind(kTmpPrefix, 0) == 0) {
      std::error_code tec;
      auto t = e.last_write_time(tec);
      if (!tec && now - t > kStaleTmpAge) std::filesystem::remove(e.path(), tec);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int close() {
    int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// What one drain found wrong, reported together once the good entries have moved.
struct Problems {
  size_t corrupt = 0;
  std::optional<Error> first;
  void add(Error e) {
    if (e.code == Errc::corrupt) ++corrupt;
    if (!first) first = std::move(e);
  }
};

void wipe_messages(std::vector<AppendRequest>& requests) {
  for (auto& r : requests) crypto::wipe(r.message.data(), r.message.size());
}

}  // namespace

Spool::Spool(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::mutex& Spool::lock_for(const std::string& mailbox_id) {
  return mailbox_locks_[std::hash<std::string>{}(mailbox_id) % mailbox_locks_.size()];
}

std::string Spool::new_entry_name(bool junk) {
  auto now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  uint64_t sequence = 0;
  {
    std::lock_guard lock(sequence_mutex_);
    last_sequence_ = std::max(last_sequence_ + 1, now);
    sequence = last_sequence_;
  }
  std::array<uint8_t, 8> seq_bytes{}, random{};
  for (int i = 0; i < 8; ++i) seq_bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(sequence >> (56 - 8 * i));
  crypto::random_bytes(random);
  return to_hex(seq_bytes) + "-" + to_hex(random) + (junk ? kJunkMark : "") + kSuffix;
}

Result<uint64_t> Spool::append(const std::string& mailbox_id, const std::array<uint8_t, 32>& public_key,
                               std::string_view message, int64_t internal_date_unix, std::string_view folder) {
  SEALMAIL_TRY(check_id(mailbox_id));
  if (folder != "INBOX" && folder != "Junk") return make_error(Errc::invalid_argument, "spool folder is INBOX or Junk");
  SEALMAIL_TRY(ensure_directory(dir_));
  const auto dir = dir_ / mailbox_id;
  SEALMAIL_TRY(ensure_directory(dir));
  const std::string name = new_entry_name(folder == "Junk");
  const auto tmp = dir / (kTmpPrefix + name);
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) return io_error("create spool entry", errno);
  auto st = spool_file::write(fd.get(), public_key, message, internal_date_unix);
  if (st && ::fsync(fd.get()) != 0) st = io_error("fsync spool entry", errno);
  struct stat info {};
  if (st && ::fstat(fd.get(), &info) != 0) st = io_error("stat spool entry", errno);
  if (fd.close() != 0 && st) st = io_error("close spool entry", errno);
  if (st) st = fs::durable_rename(tmp, dir / name);  // rename, then fsync of the directory
  if (!st) {
    (void)fs::remove_if_exists(tmp);
    return st.error();
  }
  return static_cast<uint64_t>(info.st_size);
}

Result<uint64_t> Spool::bytes(const std::string& mailbox_id) {
  SEALMAIL_TRY(check_id(mailbox_id));
  uint64_t total = 0;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_ / mailbox_id, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return total;
    return make_error(Errc::io, "list spool: " + ec.message());
  }
  for (const auto& e : it) {
    std::error_code fec;
    if (!e.is_regular_file(fec)) continue;
    auto size = e.file_size(fec);
    if (!fec) total += size;  // a file unlinked meanwhile by a drain counts as gone
  }
  return total;
}

Result<size_t> Spool::drain(const std::string& mailbox_id, Mailbox& mailbox) {
  SEALMAIL_TRY(check_id(mailbox_id));
  std::lock_guard lock(lock_for(mailbox_id));
  const auto dir = dir_ / mailbox_id;
  auto names = list_entries(dir);
  if (!names) return names.error();
  if (names->empty()) return size_t{0};  // the usual login: nothing waits, the mailbox is not touched

  auto moved_before = mailbox.spool_entries_moved();
  if (!moved_before) return moved_before.error();
  const std::set<std::string> recorded(moved_before->begin(), moved_before->end());
  std::optional<crypto::BoxKeyPair> keys;

  size_t moved = 0;
  Problems problems;
  std::vector<std::string> gone;  // entries stored in the mailbox whose files are unlinked
  auto unlink_entry = [&](const std::string& name) {
    if (::unlink((dir / name).c_str()) == 0 || errno == ENOENT)
      gone.push_back(name);
    else
      problems.add(io_error("unlink spool entry " + name, errno));
  };
  for (const auto& name : *moved_before)
    if (!std::binary_search(names->begin(), names->end(), name)) gone.push_back(name);

  std::vector<AppendRequest> batch;
  std::vector<std::string> batch_names;
  size_t batch_bytes = 0;
  // Stores the batch (one transaction, one fsync) and only then unlinks its files. A message the
  // store refuses (too large, ...) would fail its whole batch: then each goes alone, and the
  // refused ones stay in the spool. Any other failure stops the drain; nothing is lost.
  auto flush = [&]() -> Status {
    if (batch.empty()) return {};
    auto stored = mailbox.append_from_spool(batch, batch_names);
    if (!stored && stored.error().code == Errc::invalid_argument && batch.size() > 1) {
      for (size_t i = 0; i < batch.size(); ++i) {
        auto one = mailbox.append_from_spool(std::span(&batch[i], 1), std::span(&batch_names[i], 1));
        if (one) {
          ++moved;
          unlink_entry(batch_names[i]);
        } else if (one.error().code == Errc::invalid_argument) {
          problems.add(make_error(
              Errc::corrupt, "spool entry " + batch_names[i] + " was refused by the mailbox: " + one.error().message));
        } else {
          wipe_messages(batch);
          return one.error();
        }
      }
    } else if (!stored && stored.error().code == Errc::invalid_argument) {
      problems.add(make_error(
          Errc::corrupt, "spool entry " + batch_names[0] + " was refused by the mailbox: " + stored.error().message));
    } else if (!stored) {
      wipe_messages(batch);
      return stored.error();
    } else {
      moved += batch.size();
      for (const auto& n : batch_names) unlink_entry(n);
    }
    wipe_messages(batch);
    batch.clear();
    batch_names.clear();
    batch_bytes = 0;
    return {};
  };

  Status stopped;
  for (const auto& name : *names) {
    if (recorded.count(name)) {  // stored by an earlier drain that did not get to unlink it
      unlink_entry(name);
      continue;
    }
    if (!keys) {
      auto k = mailbox.box_key_pair();
      if (!k) return k.error();
      keys = std::move(*k);
    }
    auto opened = spool_file::read(dir / name, *keys);
    if (!opened) {
      problems.add(opened.error());  // left in place for the operator
      continue;
    }
    batch_bytes += opened->message.size();
    AppendRequest r;
    r.message = std::move(opened->message);
    r.internal_date = opened->internal_date;
    if (name.size() > kJunkEnding.size() &&
        name.compare(name.size() - kJunkEnding.size(), kJunkEnding.size(), kJunkEnding) == 0)
      r.folder = "Junk";
    if (refiler_ && r.folder == "INBOX") refiler_(mailbox, r);
    batch.push_back(std::move(r));
    batch_names.push_back(name);
    if (batch.size() >= kBatchCount || batch_bytes >= kBatchBytes) {
      stopped = flush();
      if (!stopped) break;
    }
  }
  if (stopped) stopped = flush();
  wipe_messages(batch);

  // Forget records only when their files are gone for good: after the unlinks reach the disk.
  if (!gone.empty()) {
    auto synced = fs::fsync_directory(dir);
    if (synced) {
      auto forgotten = mailbox.forget_spool_entries(gone);
      if (!forgotten) problems.add(forgotten.error());
    } else {
      problems.add(synced.error());
    }
  }
  if (!stopped) return stopped.error();
  if (problems.first) {
    std::string text = problems.first->message;
    if (problems.corrupt > 0)
      text = std::to_string(problems.corrupt) + " spool " + (problems.corrupt == 1 ? "entry" : "entries") +
             " could not be moved and stay in the spool for the operator (first: " + text + "); " +
             std::to_string(moved) + " moved";
    return make_error(problems.first->code, text);
  }
  return moved;
}

Status Spool::remove_all(const std::string& mailbox_id) {
  SEALMAIL_TRY(check_id(mailbox_id));
  std::lock_guard lock(lock_for(mailbox_id));
  std::error_code ec;
  std::filesystem::remove_all(dir_ / mailbox_id, ec);
  if (ec) return make_error(Errc::io, "remove spool: " + ec.message());
  if (!std::filesystem::exists(dir_, ec)) return {};
  return fs::fsync_directory(dir_);
}

}  // namespace sealmail::store

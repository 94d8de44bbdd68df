// Internals of Mailbox shared by its implementation files (src/store only).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "store/checkpointer.h"
#include "store/content.h"
#include "store/mailbox.h"
#include "store/sqlite.h"

namespace sealmail::store {

// A user-facing failure inside the store (folder not found, bad name, ...); caught by guarded().
struct StoreError {
  Error error;
};
[[noreturn]] inline void fail(Errc code, std::string message) { throw StoreError{{code, std::move(message)}}; }

// Runs `fn`, turning the store's internal exceptions into a Result/Status.
template <typename R, typename F>
R guarded(F&& fn) {
  try {
    return fn();
  } catch (const StoreError& e) {
    return e.error;
  } catch (const sql::Error& e) {
    return sql::to_error(e);
  }
}

// "<file><suffix>": the mailbox's WAL ("-wal"), index ("-shm"), lock (".lock") and rekey copy.
inline std::filesystem::path sibling(const std::filesystem::path& file, const char* suffix) {
  auto p = file;
  p += suffix;
  return p;
}

struct FolderRow {
  int64_t id = 0;
  std::string name;
  uint32_t uidvalidity = 0;
  uint32_t uidnext = 1;
  uint64_t highest_modseq = 1;
};

struct Mailbox::Impl {
  std::filesystem::path path;
  crypto::MailboxKey key;
  Options options;
  int lock_fd = -1;

  std::mutex write_mutex;  // serializes every write on `writer`
  sql::Db writer;
  // Makes `db` the writer, whose commits hand checkpoints to the background thread (checkpointer.h).
  void adopt_writer(sql::Db db);
  std::shared_ptr<CheckpointTicket> checkpoints;
  // Continuous capture of the log (store/wal_capture.h); changed with write_mutex held.
  struct WalCaptureState;
  std::shared_ptr<WalCaptureState> wal_capture;
  std::atomic<bool> wal_capturing{false};

  // Held shared by every reader lease and exclusively by rekey, which replaces the file: no
  // connection to the old file (and key) may outlive it.
  std::shared_mutex file_mutex;
  std::mutex readers_mutex;
  std::vector<sql::Db> idle_readers;

  // Group commit of appends (messages.cc): callers queue, one leader commits the queue at once.
  struct PendingAppend {
    std::span<const AppendRequest> requests;
    const std::vector<PreparedMessage>* prepared;
    std::optional<Result<std::vector<AppendResult>>> outcome;
    std::vector<ChangeEvent> events;
    std::span<const std::string> spool_entries;  // recorded with the batch (store/spool.h)
  };
  std::mutex group_mutex;
  std::condition_variable group_cv;
  std::vector<PendingAppend*> group_queue;
  bool group_leader = false;
  void commit_group(const std::vector<PendingAppend*>& group);

  // Messages and bytes stored (Mailbox::quota()), counted once with one SUM at the first call and
  // then kept by every write: changed only while write_mutex is held, after the commit, so that it
  // always equals what a reader of the committed file would sum (issue 4: a quota check is O(1)).
  std::mutex usage_mutex;
  std::optional<std::pair<int64_t, int64_t>> usage;  // (messages, bytes); none until first read
  // Call with write_mutex held, after the commit of a change of `messages` messages, `bytes` bytes.
  void add_usage(int64_t messages, int64_t bytes) {
    std::lock_guard lock(usage_mutex);
    if (usage) {
      usage->first += messages;
      usage->second += bytes;
    }
  }

  std::mutex listeners_mutex;
  std::map<int, Listener> listeners;
  int next_listener = 1;

  Impl(std::filesystem::path p, crypto::MailboxKey k, Options o);
  ~Impl();

  // A connection with the key and the pragmas applied.
  sql::Db connect(bool create) const;

  // A reader connection, returned to the pool when the lease ends.
  class Reader {
   public:
    Reader(Impl& impl, std::shared_lock<std::shared_mutex> lock, sql::Db db)
        : impl_(impl), lock_(std::move(lock)), db_(std::move(db)) {}
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    sql::Db& db() { return db_; }

   private:
    Impl& impl_;
    std::shared_lock<std::shared_mutex> lock_;
    sql::Db db_;
  };
  Reader reader();
  void drop_readers();

  void notify(const ChangeEvent& event);
};

// The WAL capture (wal_capture.cc): the writer's WAL hook hands each commit's frame count to it.
void capture_wal_commit(Mailbox::Impl& impl, int frames);

// Folder helpers (folders.cc), used across the store.
std::string normalize_folder_name(std::string_view name);  // validates; throws StoreError
std::optional<FolderRow> find_folder(sql::Db& db, std::string_view name);
FolderRow require_folder(sql::Db& db, std::string_view name);
// Allocates the next MODSEQ of a folder (inside the caller's transaction).
uint64_t next_modseq(sql::Db& db, int64_t folder_id);
uint32_t new_uidvalidity(sql::Db& db);
// `subscribe`: also puts the name on the subscription list (the default folders of a new mailbox;
// CREATE does not subscribe, RFC 9051 §6.3.4).
void insert_folder(sql::Db& db, std::string_view name, std::string_view special_use, bool subscribe = false);

// Records sealed-spool entries as moved, inside the caller's transaction (spool_records.cc).
void record_spool_entries(sql::Db& db, std::span<const std::string> entry_names);

// Flags helpers (flags.cc).
void write_keywords(sql::Db& db, int64_t message_id, const std::vector<std::string>& keywords);
std::vector<std::string> read_keywords(sql::Db& db, int64_t message_id);
void validate_flags(const Flags& flags);

// UID set -> SQL: "(uid BETWEEN ? AND ? OR ...)", with its parameters appended to `params`.
std::string uid_set_sql(const UidSet& uids, std::vector<int64_t>& params, const char* column = "uid");

}  // namespace sealmail::store

// An encrypted mailbox: one SQLite3 Multiple Ciphers database (cipher chacha20, key from the
// owner's password) holding folders, messages, flags, the expunge log and the full-text index.
//
// Rules this class keeps (DESIGN.md point 1, STYLE.md 7 and 8):
// - Every call blocks; servers run them on a worker pool, never on I/O threads. The object is
//   thread-safe: writes are serialized on one writer connection, reads use a small pool of
//   reader connections (WAL: one writer, many readers).
// - The key is derived once (PBKDF2, the cipher's own KDF) and kept in locked memory; every
//   connection opens with the raw key. The password itself is never kept.
// - Nothing is acknowledged before it is committed; with Options::durable, commits are fsynced
//   (synchronous=FULL) so a returned append survives kill -9 and power loss.
// - Messages come back byte-exact whatever the store did to them (attachments stored once per
//   SHA-256, zstd compression).
// - The file name is chosen by the caller (a random id, never the address).
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "classify/model.h"
#include "core/result.h"
#include "crypto/mailbox_key.h"
#include "crypto/sealed_box.h"
#include "store/search.h"
#include "store/types.h"

namespace sealmail::store {

struct Options {
  bool durable = true;                 // synchronous=FULL: an acknowledged write survives power loss
  size_t compress_threshold = 8192;    // bodies and attachments larger than this are zstd-compressed
  size_t min_attachment_size = 4096;   // attachment bodies at least this large are stored once by hash
  int max_readers = 4;                 // reader connections kept open
  bool create_default_folders = true;  // INBOX, Drafts, Sent, Junk, Trash, Archive
  bool encrypted = true;               // false only for benchmarks measuring the cipher's cost
};

// Something changed in a folder (for IDLE and for sessions of the same owner).
struct ChangeEvent {
  enum class Kind { exists, expunge, flags, folders } kind;
  std::string folder;
  uint64_t modseq = 0;
  std::vector<uint32_t> uids;
};

class Mailbox {
 public:
  ~Mailbox();
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Creates a new mailbox file; fails if it exists.
  static Result<std::unique_ptr<Mailbox>> create(const std::filesystem::path& file,
                                                 const crypto::SecretBuffer& password, const Options& options = {});
  // Opens with the password (derives the key: ~32 ms). A wrong password gives Errc::wrong_password
  // and leaves the file byte-for-byte unchanged.
  static Result<std::unique_ptr<Mailbox>> open(const std::filesystem::path& file, const crypto::SecretBuffer& password,
                                               const Options& options = {});
  // Opens with a key derived earlier (~0.25 ms).
  static Result<std::unique_ptr<Mailbox>> open_with_key(const std::filesystem::path& file, crypto::MailboxKey key,
                                                        const Options& options = {});

  const std::filesystem::path& path() const;
  const crypto::MailboxKey& key() const;

  // Folders. Names use '/' as the hierarchy separator; INBOX is case-insensitive.
  Result<std::vector<FolderInfo>> list_folders();
  Result<FolderInfo> folder(std::string_view name);
  Status create_folder(std::string_view name, std::string_view special_use = {});
  Status rename_folder(std::string_view from, std::string_view to);
  Status delete_folder(std::string_view name);
  // Subscribing needs the folder to exist; unsubscribing does not (not_found: was not subscribed).
  Status set_subscribed(std::string_view name, bool subscribed);
  // Every subscribed name, existing as a folder or not (LSUB, LIST (SUBSCRIBED)); INBOX first.
  Result<std::vector<std::string>> list_subscriptions();
  // \Recent (RFC 3501 §2.3.2): takes the folder's unclaimed recent UIDs for the caller, so that no
  // other session sees them as recent, and returns them as one range (empty: first > last). Writes
  // only when there is something to claim.
  Result<UidRange> claim_recent(std::string_view name);

  // Messages.
  Result<AppendResult> append(const AppendRequest& request);
  // All in one transaction (one fsync): for imports and batched delivery.
  Result<std::vector<AppendResult>> append_batch(std::span<const AppendRequest> requests);
  Result<std::string> fetch_raw(std::string_view folder, uint32_t uid);
  // The messages of `uids` that exist, by ascending UID, in one read transaction (FETCH batches).
  Result<std::vector<std::pair<uint32_t, std::string>>> fetch_raw_many(std::string_view folder, const UidSet& uids);
  // Without `with_structure`, envelope and bodystructure are left empty (a cheaper query).
  Result<std::vector<MessageSummary>> list_messages(std::string_view folder, const UidSet& uids = all_uids(),
                                                    bool with_structure = true);
  // Subject, date and message ids of `uids`, by ascending UID (IMAP THREAD).
  Result<std::vector<ThreadFields>> thread_fields(std::string_view folder, const UidSet& uids);
  // The folder's UIDs, ascending (SELECT: message numbers).
  Result<std::vector<uint32_t>> list_uids(std::string_view folder);
  // Every keyword used in the mailbox (IMAP FLAGS), sorted.
  Result<std::vector<std::string>> keywords();
  Result<CopyResult> copy(std::string_view from, const UidSet& uids, std::string_view to);
  Result<CopyResult> move(std::string_view from, const UidSet& uids, std::string_view to);
  Result<StoreFlagsResult> store_flags(std::string_view folder, const UidSet& uids, FlagMode mode, const Flags& flags,
                                       std::optional<uint64_t> unchanged_since = std::nullopt);
  // Removes messages flagged \Deleted (within `uids` when given: UID EXPUNGE); returns their UIDs.
  Result<std::vector<uint32_t>> expunge(std::string_view folder, const UidSet& uids = all_uids());
  Result<Changes> changes_since(std::string_view folder, uint64_t modseq);
  // Text searches (BODY, TEXT, HEADER, regex over body or headers) first index what is pending.
  Result<std::vector<uint32_t>> search(std::string_view folder, const SearchKey& key,
                                       const SearchOptions& options = {});
  // The full-text index is filled lazily (store/content.h): indexes up to `limit` pending messages
  // (0: all), in transactions of a few hundred; returns how many. Servers call it when idle.
  Result<size_t> index_pending(size_t limit = 0);
  Result<Quota> quota();

  // The owner's junk training (issue 9, src/store/junk.cc; classify/ for the tokens and maths).
  // The counts of `tokens` (unknown ones left out) and the message totals, as a Model.
  Result<classify::Model> junk_model(std::span<const classify::Token> tokens);
  // Trains the messages `uids` of `folder` as junk (`spam`) or not: their tokens are counted, the
  // text is not kept. A message trained the same way before is skipped, one trained the other way
  // is moved over. Returns how many messages changed the counts.
  Result<size_t> train_junk(std::string_view folder, const UidSet& uids, bool spam);

  // The X25519 key pair for mail that waits while the owner is away (private key stored inside).
  Result<crypto::BoxKeyPair> box_key_pair();
  // The sealed spool (store/spool.h): appends like append_batch and records, in the same
  // transaction, the names of the spool entries the messages came from, so that a drain cut
  // short by a crash never moves an entry twice.
  Result<std::vector<AppendResult>> append_from_spool(std::span<const AppendRequest> requests,
                                                      std::span<const std::string> entry_names);
  // Names of the spool entries recorded as moved; forgotten once their files are gone for good.
  Result<std::vector<std::string>> spool_entries_moved();
  Status forget_spool_entries(std::span<const std::string> entry_names);

  // Change notifications, called after each commit on the writing thread. Keep callbacks short.
  using Listener = std::function<void(const ChangeEvent&)>;
  int subscribe(Listener listener);
  void unsubscribe(int token);

  // Maintenance.
  // VACUUM INTO `dest` under the same key, checked by reopening it (quick_check); SHA-256 of it.
  Result<Snapshot> backup_snapshot(const std::filesystem::path& dest);
  // PRAGMA integrity_check.
  Status check();
  // Re-keys to a new password by writing a re-keyed copy and renaming it over the file: a crash at
  // any point leaves a file that opens with exactly one of the two passwords. Needs every other
  // user of the file (other processes too) gone; the mailbox stays open under the new key.
  Status rekey(const crypto::SecretBuffer& new_password);

  // Unlinks the mailbox file, its WAL, its shared-memory index and its lock file.
  static Status destroy(const std::filesystem::path& file);

  struct Impl;
  // The store's own files that work beside the Mailbox (wal_capture.cc) reach its insides here.
  friend Impl& impl_of(const Mailbox& mailbox) { return *mailbox.impl_; }

 private:
  explicit Mailbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealmail::store

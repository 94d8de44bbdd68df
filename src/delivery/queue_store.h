// The outbound queue on disk (DESIGN.md point 7, issue 8): every message handed to the queue lives
// in DATA/queue as two files named by its queue id, both encrypted under the server's queue key
// (queue_seal.h):
//   <id>.msg  the message as submitted, written once;
//   <id>.env  the envelope and delivery state (recipients, attempts, next attempt), rewritten
//             after every attempt.
// The key is a 32-byte file DATA/queue-key (mode 0600), outside the queue directory, so that a copy
// of the queue alone (a backup, a disk image of that directory) holds no readable mail or address.
//
// Rules this module keeps:
// - add() returns only when both files are durable: each is written under a temporary name,
//   fsynced, renamed, and the directory fsynced. The .env rename is the commit point: a .msg without
//   its .env is an enqueue that never returned, removed by sweep_incomplete().
// - remove() unlinks the .env first (the entry is gone), then the .msg.
// - save() refuses an entry whose .msg is gone (deleted by the operator while it was being
//   delivered), so a delivery finishing late does not bring a deleted entry back.
// - Nothing here logs; errors name the queue id only.
// - Every file is opened read-only or written whole: the CLI and a running server may use the same
//   directory at once. Requests from the CLI to the server ("retry now") are marker files
//   <id>.retry that the server picks up and removes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/secret.h"
#include "delivery/queue_seal.h"

namespace sealmail::delivery {

enum class RecipientState { pending, delivered, failed };
const char* to_string(RecipientState state);

struct QueuedRecipient {
  std::string address;
  std::string notify;  // RFC 3461 NOTIFY= ("" when absent)
  std::string orcpt;   // RFC 3461 ORCPT=
  RecipientState state = RecipientState::pending;
  // The last attempt's outcome, for the operator and for the DSN.
  int last_code = 0;          // the reply code; 0: network failure or not tried
  std::string last_enhanced;  // "4.2.2"
  std::string last_reply;     // the remote's reply text (never logged)
  std::string last_host;      // the MX host that answered
  std::string action;         // classification: "defer" / "reject" ("" before the first failure)
  std::string category;       // "full mailbox", "network", ...
};

struct QueueEntry {
  std::string id;
  std::string mail_from;  // "" for the null reverse-path (our DSNs)
  std::string sender_alias;
  std::vector<QueuedRecipient> recipients;
  bool smtputf8 = false;
  bool eight_bit = false;
  std::string ret, envid;
  uint64_t size = 0;         // bytes of the message
  int64_t queued_at = 0;     // unix seconds (the queue's clock)
  int64_t next_attempt = 0;  // unix seconds
  int64_t last_attempt = 0;  // 0: never tried
  int attempts = 0;          // attempts that ended with a deferred recipient
  bool delay_notified = false;

  size_t pending() const;
};

// An entry as the queue's .env files hold it (JSON text), and back (Errc::corrupt when it is not
// one, or names another id). The history (queue_history.h) keeps retired entries the same way.
std::string encode_entry(const QueueEntry& entry);
Result<QueueEntry> decode_entry(const std::string& text, const std::string& id);

// The layout the queue and its history share: the ids of the entries in `dir` (an <id>.env file
// each), oldest first; and removing one entry's files (.env first: the entry is gone; then .msg and
// a retry marker), Errc::not_found when there was none.
std::vector<std::string> entry_ids(const std::filesystem::path& dir);
Status remove_entry_files(const std::filesystem::path& dir, const std::string& id);

// Loads DATA/queue-key, or makes it (random, 0600) when it does not exist yet.
Result<crypto::SecretBuffer> load_or_create_queue_key(const std::filesystem::path& file);

class QueueStore {
 public:
  // `dir` is created (0700) when missing.
  static Result<std::shared_ptr<QueueStore>> open(std::filesystem::path dir, crypto::SecretBuffer key);
  static std::filesystem::path dir_in(const std::filesystem::path& data_dir) { return data_dir / "queue"; }
  static std::filesystem::path key_file_in(const std::filesystem::path& data_dir) { return data_dir / "queue-key"; }

  // Durable on return. Fills entry.id (a new random id) and entry.size.
  Result<std::string> add(QueueEntry entry, std::string_view message);
  Result<QueueEntry> load(const std::string& id) const;
  Result<std::string> message(const std::string& id) const;
  Status save(const QueueEntry& entry);
  // Errc::not_found when there is no such entry.
  Status remove(const std::string& id);
  // Committed entries, oldest id first (ids begin with the time they were made).
  std::vector<std::string> ids() const;
  // Removes leftovers of enqueues that never returned (a .msg without .env, temporary files).
  void sweep_incomplete();

  // Operator's "try now": a marker the running server consumes.
  Status request_retry(const std::string& id);
  // Ids with a retry marker; the markers are removed.
  std::vector<std::string> take_retry_requests();

  const std::filesystem::path& dir() const { return dir_; }
  // The file path of an entry's sealed message (for the history, which keeps it after delivery).
  std::filesystem::path message_file(const std::string& id) const { return dir_ / (id + ".msg"); }
  const std::shared_ptr<const QueueSeal>& sealer() const { return seal_; }

 private:
  QueueStore(std::filesystem::path dir, std::shared_ptr<const QueueSeal> seal)
      : dir_(std::move(dir)), seal_(std::move(seal)) {}

  std::filesystem::path dir_;
  std::shared_ptr<const QueueSeal> seal_;
};

// A queue id is 26 lowercase hex digits and nothing else (ids come from the CLI and the API).
bool valid_queue_id(std::string_view id);

}  // namespace sealmail::delivery

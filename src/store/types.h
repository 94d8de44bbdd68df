// Values that cross the store's interface (src/store). Plain data, no SQLite.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sealmail::store {

// IMAP system flags (RFC 9051 §2.3.2) as bits. \Recent is not a stored flag: it belongs to the
// session that claimed the message (Mailbox::claim_recent).
enum SystemFlag : uint32_t {
  kSeen = 1u << 0,
  kAnswered = 1u << 1,
  kFlagged = 1u << 2,
  kDeleted = 1u << 3,
  kDraft = 1u << 4,
};

struct Flags {
  uint32_t system = 0;
  std::vector<std::string> keywords;  // e.g. "$Junk", "$Forwarded"
  bool operator==(const Flags&) const = default;
};

// Special-use attributes (RFC 6154) a folder may carry.
struct FolderInfo {
  int64_t id = 0;
  std::string name;         // hierarchy separator '/'
  std::string special_use;  // "\\Sent", "\\Trash", ... or empty
  bool subscribed = true;   // its name is in the subscription list (Mailbox::list_subscriptions)
  uint32_t uidvalidity = 0;
  uint32_t uidnext = 1;
  uint64_t highest_modseq = 1;
  uint32_t messages = 0;
  uint32_t unseen = 0;
  uint64_t size = 0;              // sum of RFC822.SIZE
  uint32_t first_recent_uid = 1;  // messages from this UID up are recent, not yet claimed
  uint32_t recent = 0;            // how many messages that is (STATUS RECENT, EXAMINE)
};

// An inclusive UID range; a set is a list of them (IMAP sequence-set by UID).
struct UidRange {
  uint32_t first = 1;
  uint32_t last = UINT32_MAX;
};
using UidSet = std::vector<UidRange>;
inline UidSet all_uids() { return {UidRange{}}; }

struct AppendRequest {
  std::string folder = "INBOX";
  std::string message;  // the raw bytes, kept byte-exact
  Flags flags;
  std::optional<int64_t> internal_date;  // Unix seconds; now when absent
};

struct AppendResult {
  uint32_t uidvalidity = 0;
  uint32_t uid = 0;
  uint64_t modseq = 0;
};

struct MessageSummary {
  int64_t id = 0;  // internal row id, stable while the message exists
  uint32_t uid = 0;
  uint64_t modseq = 0;
  std::string internal_date;  // ISO 8601 UTC
  uint64_t size = 0;
  Flags flags;
  int64_t thread_id = 0;
  std::string envelope;       // IMAP ENVELOPE wire text
  std::string bodystructure;  // IMAP BODYSTRUCTURE wire text
};

// What COPY/MOVE did, for UIDPLUS's COPYUID (RFC 4315): pairs (source uid, destination uid).
struct CopyResult {
  uint32_t destination_uidvalidity = 0;
  std::vector<std::pair<uint32_t, uint32_t>> uids;
};

enum class FlagMode { add, remove, replace };

struct FlagUpdate {
  uint32_t uid = 0;
  uint64_t modseq = 0;
  Flags flags;
};

struct StoreFlagsResult {
  std::vector<FlagUpdate> updated;
  std::vector<uint32_t> modified;  // failed UNCHANGEDSINCE (RFC 7162 §3.1.3 MODIFIED)
};

// Everything in a folder that changed after a MODSEQ (CONDSTORE/QRESYNC, and what other sessions
// need to hear about).
struct Changes {
  uint64_t highest_modseq = 0;
  std::vector<FlagUpdate> changed;  // present messages whose modseq > since
  std::vector<uint32_t> vanished;   // expunged UIDs with modseq > since
};

// What THREAD (RFC 5256) needs of a message.
struct ThreadFields {
  uint32_t uid = 0;
  std::string subject;  // decoded
  std::string date;     // the Date header's, else the internal date (ISO 8601 UTC)
  std::string message_id, in_reply_to;
  std::vector<std::string> references;  // msg-ids, oldest first
};

struct Quota {
  uint64_t bytes = 0;  // sum of message sizes (what the user sees)
  uint64_t messages = 0;
  uint64_t file_bytes = 0;  // the database file and its WAL on disk
};

struct Snapshot {
  std::string path;
  std::string sha256;  // hex
  uint64_t bytes = 0;
};

}  // namespace sealmail::store

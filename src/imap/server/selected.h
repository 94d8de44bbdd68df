// The folder a session has selected: its message sequence numbers (RFC 9051 §2.3.1.2) as the
// session has told the client about them, and what it still owes the client. Owned by one
// session; no locking.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "imap/protocol/sequence_set.h"
#include "store/types.h"

namespace sealmail::imap {

struct SelectedFolder {
  std::string name;  // the store's name (UTF-8, '/' separated)
  bool read_only = false;
  uint32_t uidvalidity = 0;
  std::vector<uint32_t> uids;  // message number n is uids[n - 1]; ascending
  uint64_t modseq = 0;         // every change up to here has been reported
  uint32_t uidnext = 1;
  // UIDs expunged by others that could not be reported yet (RFC 9051 §7.5.1: not during FETCH,
  // STORE or SEARCH); they keep their message numbers until then.
  std::vector<uint32_t> expunged_pending;
  // Flag changes already sent to the client, by UID, with their MODSEQ: a later resync skips
  // them, so a STORE's own FETCH response is not repeated.
  std::unordered_map<uint32_t, uint64_t> reported;
  // \Recent (RFC 3501 §2.3.2) as this session sees it: the UID ranges it claimed (SELECT, and new
  // mail while selected) or, read-only, found unclaimed at EXAMINE. Empty under IMAP4rev2.
  store::UidSet recent;
  uint32_t claimed_through = 0;  // the highest UID a claim of this session covered

  bool is_recent(uint32_t uid) const;
  // How many of the session's messages are recent (the RECENT response).
  uint32_t recent_count() const;
  void add_recent(store::UidRange range);

  uint32_t exists() const { return static_cast<uint32_t>(uids.size()); }
  uint32_t max_uid() const { return uids.empty() ? 0 : uids.back(); }
  // The message number of `uid`, or 0.
  uint32_t seq_of(uint32_t uid) const;
  bool is_expunged_pending(uint32_t uid) const;
  // The UIDs a sequence set names: message numbers (uid_mode false) or UIDs that exist here.
  std::vector<uint32_t> resolve(const SequenceSet& set, bool uid_mode) const;
  // False when a message number (not "*") exceeds EXISTS: the command is BAD (RFC 9051 §9).
  bool sequence_in_range(const SequenceSet& set) const;
  // UIDs as the store's ranges.
  static store::UidSet to_ranges(const std::vector<uint32_t>& sorted_uids);
};

}  // namespace sealmail::imap

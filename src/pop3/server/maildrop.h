// The maildrop of a POP3 session (RFC 1939 §5-§7): INBOX as it was at login, numbered from 1 in
// UID order. Numbers and sizes never change during the session; DELE marks, RSET unmarks, and
// only the UPDATE state (update.h) touches the store.
//
// Unique ids (RFC 1939 §7 UIDL) are "<uidvalidity>.<uid>" in decimal: IMAP never reuses a UID
// within a UIDVALIDITY (RFC 9051 §2.3.1.1), so an id is never given to another message, and it is
// the same in every session. Should INBOX ever get a new UIDVALIDITY (a restore), every id changes
// and clients fetch again: duplicates, never lost mail.
//
// Sizes are the octets RETR sends before byte-stuffing (RFC 1939 §11): line endings counted as
// CRLF (response.h, transmitted_size), whatever the store holds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "pop3/server/size_cache.h"
#include "store/mailbox.h"

namespace sealmail::pop3 {

inline constexpr std::string_view kMaildropFolder = "INBOX";

struct MaildropMessage {
  uint32_t uid = 0;
  uint64_t size = 0;       // as RETR sends it
  bool deleted = false;    // DELE'd in this session
  bool retrieved = false;  // RETR'd in this session (\Seen at QUIT)
};

class Maildrop {
 public:
  // Reads INBOX: its UIDVALIDITY, its messages, and their sizes (from `sizes`, or by reading the
  // messages it does not know yet). Blocking: call it on the worker pool.
  static Result<Maildrop> load(store::Mailbox& mailbox, const std::string& mailbox_id, SizeCache& sizes);

  Maildrop() = default;
  Maildrop(uint32_t uidvalidity, std::vector<MaildropMessage> messages);

  // Messages at login, deleted ones included: the highest valid message number.
  uint32_t count() const { return static_cast<uint32_t>(messages_.size()); }
  // The message numbered `number`, deleted or not; null when out of range.
  MaildropMessage* at(uint32_t number);
  const MaildropMessage* at(uint32_t number) const;

  // STAT: messages not marked deleted, and their octets (RFC 1939 §5).
  uint32_t live_count() const { return live_count_; }
  uint64_t live_octets() const { return live_octets_; }

  void mark_deleted(MaildropMessage& message);
  // RSET: unmarks every deleted message.
  void undelete_all();

  std::string unique_id(const MaildropMessage& message) const;
  uint32_t uidvalidity() const { return uidvalidity_; }

  // The UIDs marked deleted; retrieved and not deleted. Ascending, as UID ranges.
  store::UidSet deleted_uids() const;
  store::UidSet retrieved_uids() const;
  size_t deleted_count() const { return messages_.size() - live_count_; }

 private:
  uint32_t uidvalidity_ = 0;
  std::vector<MaildropMessage> messages_;
  uint32_t live_count_ = 0;
  uint64_t live_octets_ = 0;
};

// Sorted UIDs as ranges of consecutive ones (one range per run), for the store's UID sets.
store::UidSet to_ranges(const std::vector<uint32_t>& ascending_uids);

}  // namespace sealmail::pop3

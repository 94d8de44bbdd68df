// Reporting what other sessions (and deliveries) changed in the selected folder (RFC 9051 §7.4.1
// EXPUNGE, §7.3.1 EXISTS, §7.5.2 FETCH; RFC 7162 §3.2.10 VANISHED once QRESYNC is enabled).
#include <algorithm>

#include "core/log.h"
#include "imap/protocol/response.h"
#include "imap/server/fetch_response.h"
#include "imap/server/session.h"

namespace sealmail::imap {

asio::awaitable<void> Session::report_changes(bool allow_expunge) {
  if (!selected_) co_return;
  if (changes_pending_) {
    changes_pending_ = false;
    auto folder = selected_->name;
    auto since = selected_->modseq;
    auto mailbox = mailbox_;
    // New mail seen by a read-write session is claimed as \Recent by it (RFC 3501 §2.3.2), unless
    // an earlier claim of this session already covered it.
    uint32_t claimed_through = (selected_->read_only || imap4rev2) ? UINT32_MAX : selected_->claimed_through;
    uint32_t known = selected_->max_uid();
    struct Seen {
      store::Changes changes;
      store::UidRange claimed{1, 0};
    };
    auto changes_work = blocking([mailbox, folder, since, claimed_through, known]() -> sealmail::Result<Seen> {
      auto changes = mailbox->changes_since(folder, since);
      if (!changes) return changes.error();
      Seen seen{std::move(*changes)};
      bool unclaimed = false;
      for (auto& update : seen.changes.changed)
        if (update.uid > known && update.uid > claimed_through) unclaimed = true;
      if (unclaimed) {
        auto claimed = mailbox->claim_recent(folder);
        if (!claimed) return claimed.error();
        seen.claimed = *claimed;
      }
      return seen;
    });
    auto seen = co_await std::move(changes_work);
    if (!seen) {
      // The folder went away under us (deleted by another session): clients learn it at the next
      // command; RFC 9051 allows a BYE, but keeping the session is kinder.
      log::warn("imap_changes_failed", {{"reason", seen.error().message}});
      co_return;
    }
    if (!selected_ || selected_->name != folder) co_return;
    auto& sel = *selected_;
    auto* changes = &seen->changes;
    sel.add_recent(seen->claimed);
    for (uint32_t uid : changes->vanished)
      if (sel.seq_of(uid) != 0 && !sel.is_expunged_pending(uid)) sel.expunged_pending.push_back(uid);
    // New messages first (their numbers follow the ones the client knows).
    std::vector<const store::FlagUpdate*> flag_changes;
    uint32_t known_max = sel.max_uid();
    std::vector<uint32_t> fresh;
    for (auto& update : changes->changed) {
      if (update.uid > known_max)
        fresh.push_back(update.uid);
      else
        flag_changes.push_back(&update);
    }
    std::sort(fresh.begin(), fresh.end());
    if (!fresh.empty()) {
      sel.uids.insert(sel.uids.end(), fresh.begin(), fresh.end());
      sel.uidnext = std::max(sel.uidnext, sel.uids.back() + 1);
    }
    // Keywords new to this session need a FLAGS response before a FETCH shows them.
    for (auto* update : flag_changes) note_keywords(update->flags);
    if (allow_expunge) flush_expunges();
    if (!fresh.empty()) {
      untagged(std::to_string(sel.exists()) + " EXISTS");
      if (!imap4rev2) untagged(std::to_string(sel.recent_count()) + " RECENT");  // RFC 3501 §7.3.2
    }
    for (auto* update : flag_changes) {
      uint32_t seq = sel.seq_of(update->uid);
      if (seq == 0 || sel.is_expunged_pending(update->uid)) continue;
      auto it = sel.reported.find(update->uid);
      if (it != sel.reported.end() && it->second >= update->modseq) continue;
      std::string line = std::to_string(seq) + " FETCH (UID " + std::to_string(update->uid) + " FLAGS " +
                         flags_text(update->flags, sel.is_recent(update->uid));
      if (condstore) line += " MODSEQ (" + std::to_string(update->modseq) + ")";
      line += ")";
      untagged(line);
    }
    sel.reported.clear();
    sel.modseq = std::max(sel.modseq, changes->highest_modseq);
    co_return;
  }
  if (allow_expunge) flush_expunges();
}

// Announces expunges that were held back, and renumbers.
void Session::flush_expunges() {
  auto& sel = *selected_;
  if (sel.expunged_pending.empty()) return;
  std::sort(sel.expunged_pending.begin(), sel.expunged_pending.end());
  if (qresync) {
    untagged("VANISHED " + format_sequence_set(sel.expunged_pending));
    for (uint32_t uid : sel.expunged_pending) {
      auto it = std::lower_bound(sel.uids.begin(), sel.uids.end(), uid);
      if (it != sel.uids.end() && *it == uid) sel.uids.erase(it);
    }
  } else {
    // Each EXPUNGE renumbers the messages after it (RFC 9051 §7.5.1): announce from the highest
    // number down so that every number sent is still the one the client has.
    for (auto uid = sel.expunged_pending.rbegin(); uid != sel.expunged_pending.rend(); ++uid) {
      uint32_t seq = sel.seq_of(*uid);
      if (seq == 0) continue;
      untagged(std::to_string(seq) + " EXPUNGE");
      sel.uids.erase(sel.uids.begin() + (seq - 1));
    }
  }
  sel.expunged_pending.clear();
}

void Session::note_keywords(const store::Flags& flags) {
  bool fresh = false;
  for (auto& k : flags.keywords)
    if (known_keywords_.insert(k).second) fresh = true;
  if (fresh && selected_) untagged(flags_response());
}

std::string Session::flags_response() const {
  std::string line = "FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft";
  for (auto& k : known_keywords_) line += " " + k;
  return line + ")";
}

}  // namespace sealmail::imap

// SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3), with (CONDSTORE) and (QRESYNC ...) (RFC 7162
// §3.1.8, §3.2.5): the folder's state, then what changed since the client's last visit.
#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"
#include "imap/server/fetch_response.h"

namespace sealmail::imap::commands {

namespace {

// RFC 7162 §3.2.5.2: what the client knows that changed since `modseq`: VANISHED (EARLIER) for
// the UIDs it may hold, then FETCH for the messages whose flags changed.
asio::awaitable<void> qresync_report(Session& s, const Qresync& q) {
  auto& sel = *s.selected();
  if (q.uidvalidity != sel.uidvalidity || q.modseq >= sel.modseq) co_return;
  auto mailbox = s.mailbox_ptr();
  auto folder = sel.name;
  auto since = q.modseq;
  auto changes_work = s.blocking([mailbox, folder, since] { return mailbox->changes_since(folder, since); });
  auto changes = co_await std::move(changes_work);
  if (!changes) fail(changes.error());
  std::vector<uint32_t> vanished;
  for (uint32_t uid : changes->vanished) {
    if (q.known_uids && !contains(*q.known_uids, uid, sel.max_uid())) continue;
    vanished.push_back(uid);
  }
  if (!vanished.empty()) s.untagged("VANISHED (EARLIER) " + format_sequence_set(vanished));
  for (auto& update : changes->changed) {
    uint32_t seq = sel.seq_of(update.uid);
    if (seq == 0) continue;
    s.note_keywords(update.flags);
    s.untagged(std::to_string(seq) + " FETCH (UID " + std::to_string(update.uid) + " FLAGS " +
               flags_text(update.flags, sel.is_recent(update.uid)) + " MODSEQ (" + std::to_string(update.modseq) +
               "))");
  }
}

}  // namespace

Result select(Session& s, Command& c) {
  auto& args = std::get<SelectArgs>(c.args);
  bool examine = c.name == "EXAMINE";
  if (args.qresync && !s.qresync) bad("QRESYNC was not enabled");
  bool was_selected = s.selected().has_value();
  // RFC 9051 §6.3.2: a failed SELECT leaves no mailbox selected.
  s.unselect();
  if (was_selected && s.qresync) s.untagged("OK [CLOSED] Previous mailbox closed");
  if (args.condstore) s.condstore = true;
  auto name = s.folder_from_wire(args.mailbox);
  auto mailbox = s.mailbox_ptr();
  struct Loaded {
    store::FolderInfo info;
    std::vector<uint32_t> uids;
    std::vector<std::string> keywords;
    std::vector<uint32_t> first_unseen;
    store::UidRange recent{1, 0};
  };
  // RFC 3501 §2.3.2: SELECT claims the messages no session has seen as recent; EXAMINE shows them
  // without taking them. IMAP4rev2 has no \Recent (RFC 9051 Appendix E), so it leaves them.
  bool claim = !examine && !s.imap4rev2;
  bool recent = !s.imap4rev2;
  auto loaded_work = s.blocking([mailbox, name, claim, recent]() -> sealmail::Result<Loaded> {
    store::UidRange claimed{1, 0};
    if (claim) {
      auto got = mailbox->claim_recent(name);
      if (!got) return got.error();
      claimed = *got;
    }
    auto info = mailbox->folder(name);
    if (!info) return info.error();
    auto uids = mailbox->list_uids(name);
    if (!uids) return uids.error();
    auto keywords = mailbox->keywords();
    if (!keywords) return keywords.error();
    store::SearchOptions first;
    first.limit = 1;
    auto unseen = mailbox->search(name, store::SearchKey::num(store::SearchKey::Kind::flag_unset, store::kSeen), first);
    if (!unseen) return unseen.error();
    if (recent && !claim) claimed = {info->first_recent_uid, info->uidnext - 1};
    return Loaded{std::move(*info), std::move(*uids), std::move(*keywords), std::move(*unseen), claimed};
  });
  auto loaded = co_await std::move(loaded_work);
  if (!loaded) fail(loaded.error());
  SelectedFolder sel;
  sel.name = loaded->info.name;
  sel.read_only = examine;
  sel.uidvalidity = loaded->info.uidvalidity;
  sel.uids = std::move(loaded->uids);
  sel.modseq = loaded->info.highest_modseq;
  sel.uidnext = loaded->info.uidnext;
  sel.add_recent(loaded->recent);
  if (examine) sel.claimed_through = UINT32_MAX;  // read-only: claims nothing later either
  s.known_keywords().clear();
  s.known_keywords().insert(loaded->keywords.begin(), loaded->keywords.end());
  s.select(std::move(sel));
  auto& selected = *s.selected();
  s.untagged(s.flags_response());
  s.untagged(std::to_string(selected.exists()) + " EXISTS");
  if (!s.imap4rev2) s.untagged(std::to_string(selected.recent_count()) + " RECENT");
  if (!loaded->first_unseen.empty() && !s.imap4rev2)
    s.untagged("OK [UNSEEN " + std::to_string(selected.seq_of(loaded->first_unseen.front())) + "] First unseen");
  s.untagged("OK [UIDVALIDITY " + std::to_string(selected.uidvalidity) + "] UIDs valid");
  s.untagged("OK [UIDNEXT " + std::to_string(selected.uidnext) + "] Predicted next UID");
  s.untagged(examine ? std::string("OK [PERMANENTFLAGS ()] Read-only mailbox")
                     : "OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted");
  s.untagged("OK [HIGHESTMODSEQ " + std::to_string(selected.modseq) + "] Highest");
  if (s.imap4rev2) s.untagged("LIST () \"/\" " + s.folder_to_wire(selected.name));
  if (args.qresync) co_await qresync_report(s, *args.qresync);
  Completion done;
  done.code = examine ? "READ-ONLY" : "READ-WRITE";
  done.text = examine ? "EXAMINE completed" : "SELECT completed";
  done.skip_report = true;
  co_return done;
}

}  // namespace sealmail::imap::commands

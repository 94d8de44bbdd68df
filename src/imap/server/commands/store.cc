// STORE and UID STORE (RFC 9051 §6.4.6; RFC 7162 §3.1.3 UNCHANGEDSINCE and MODIFIED). Setting
// $Junk or $NotJunk trains the owner's junk classifier (issue 9, junk_training.h).
#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"
#include "imap/server/fetch_response.h"
#include "imap/server/junk_training.h"
#include "imap/server/message_set.h"

namespace sealmail::imap::commands {

namespace {

struct Stored {
  store::StoreFlagsResult result;
  std::vector<store::MessageSummary> now;  // every message of the set, after the change
};

}  // namespace

Result store(Session& s, Command& c) {
  auto& args = std::get<StoreArgs>(c.args);
  auto& sel = *s.selected();
  if (sel.read_only) no("READ-ONLY", "the mailbox was opened with EXAMINE");
  auto uids = message_set(s, args.set, c.uid);
  auto flags = parse_flags(args.flags);
  if (args.unchangedsince) s.enable_condstore();
  auto mode = args.mode == StoreMode::add      ? store::FlagMode::add
              : args.mode == StoreMode::remove ? store::FlagMode::remove
                                               : store::FlagMode::replace;
  auto mailbox = s.mailbox_ptr();
  auto folder = sel.name;
  auto ranges = SelectedFolder::to_ranges(uids);
  auto unchanged = args.unchangedsince;
  bool list_after = !args.silent;
  auto stored_work =
      s.blocking([mailbox, folder, ranges, mode, flags, unchanged, list_after]() -> sealmail::Result<Stored> {
        Stored out;
        if (ranges.empty()) return out;
        auto r = mailbox->store_flags(folder, ranges, mode, flags, unchanged);
        if (!r) return r.error();
        out.result = std::move(*r);
        // Issue 9: $Junk / $NotJunk teach the owner's junk classifier (junk_training.h).
        if (auto how = training_for_flags(mode, flags); how != JunkTraining::none) {
          std::vector<uint32_t> changed;
          for (auto& u : out.result.updated) changed.push_back(u.uid);
          train(*mailbox, folder, changed, how);
        }
        if (list_after) {
          auto now = mailbox->list_messages(folder, ranges, false);
          if (!now) return now.error();
          out.now = std::move(*now);
        }
        return out;
      });
  auto stored = co_await std::move(stored_work);
  if (!stored) fail(stored.error());
  auto& result = stored->result;
  for (auto& u : result.updated) s.note_keywords(u.flags);
  auto line_for = [&](uint32_t seq, uint32_t uid, const store::Flags* f, uint64_t modseq) {
    std::string line = std::to_string(seq) + " FETCH (";
    bool any = false;
    if (f != nullptr) {
      line += "FLAGS " + flags_text(*f, sel.is_recent(uid));
      any = true;
    }
    if (c.uid || s.condstore) {  // RFC 7162: UID with MODSEQ lets the client resync by UID
      line += std::string(any ? " " : "") + "UID " + std::to_string(uid);
      any = true;
    }
    if (s.condstore) line += std::string(any ? " " : "") + "MODSEQ (" + std::to_string(modseq) + ")";
    s.untagged(line + ")");
  };
  std::vector<uint32_t> modified(result.modified.begin(), result.modified.end());
  if (args.silent) {
    // RFC 7162 §3.1.3: even .SILENT reports the new MODSEQ of the messages it changed.
    for (auto& u : result.updated) {
      sel.reported[u.uid] = u.modseq;
      uint32_t seq = sel.seq_of(u.uid);
      if (seq != 0 && s.condstore) line_for(seq, u.uid, nullptr, u.modseq);
    }
  } else {
    for (auto& m : stored->now) {
      if (std::find(modified.begin(), modified.end(), m.uid) != modified.end()) continue;
      uint32_t seq = sel.seq_of(m.uid);
      if (seq == 0) continue;
      s.note_keywords(m.flags);
      sel.reported[m.uid] = m.modseq;
      line_for(seq, m.uid, &m.flags, m.modseq);
    }
  }
  Completion done;
  done.text = c.uid ? "UID STORE completed" : "STORE completed";
  if (!modified.empty()) {
    if (!c.uid)
      for (auto& uid : modified) uid = sel.seq_of(uid);
    done.code = "MODIFIED " + format_sequence_set(modified);
    done.text = "Some messages were modified since UNCHANGEDSINCE";
  }
  co_return done;
}

}  // namespace sealmail::imap::commands

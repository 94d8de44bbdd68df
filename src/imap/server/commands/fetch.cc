// FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9; RFC 7162 CHANGEDSINCE and VANISHED; RFC 3516).
// Messages are read in batches, off the I/O thread; each batch is written before the next is read,
// so a slow reader holds at most one batch in memory and no store lock while we write.
#include <algorithm>

#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"
#include "imap/server/fetch_response.h"
#include "imap/server/message_set.h"

namespace sealmail::imap::commands {

namespace {

constexpr size_t kBatch = 256;
constexpr size_t kFlushAt = 256 * 1024;

constexpr uint64_t kBodyBytesPerBatch = 4 << 20;  // bounds memory for a client that reads slowly

struct Batch {
  std::vector<store::MessageSummary> messages;
  bool cut = false;  // the batch stopped early (message sizes): go on after last_uid
  uint32_t last_uid = 0;
  std::vector<std::string> raws;  // parallel to messages, when bodies are needed
};

}  // namespace

Result fetch(Session& s, Command& c) {
  auto& args = std::get<FetchArgs>(c.args);
  auto uids = message_set(s, args.set, c.uid);
  bool modseq_item = std::any_of(args.items.begin(), args.items.end(),
                                 [](const FetchItem& i) { return i.kind == FetchItem::Kind::modseq; });
  if (args.changedsince || modseq_item) s.enable_condstore();  // RFC 7162 §3.1: implicit enable
  if (args.vanished && !s.qresync) bad("VANISHED needs ENABLE QRESYNC");
  auto& sel = *s.selected();
  auto mailbox = s.mailbox_ptr();
  auto folder = sel.name;
  if (args.vanished && args.changedsince) {
    // RFC 7162 §3.2.6: UIDs in the set expunged since CHANGEDSINCE.
    auto since = *args.changedsince;
    auto changes_work = s.blocking([mailbox, folder, since] { return mailbox->changes_since(folder, since); });
    auto changes = co_await std::move(changes_work);
    if (!changes) fail(changes.error());
    std::vector<uint32_t> gone;
    for (uint32_t uid : changes->vanished)
      if (contains(args.set, uid, sel.max_uid())) gone.push_back(uid);
    if (!gone.empty()) s.untagged("VANISHED (EARLIER) " + format_sequence_set(gone));
  }
  bool body = needs_body(args.items);
  bool structure = needs_structure(args.items);
  bool mark_seen = sets_seen(args.items) && !sel.read_only;
  FetchContext context{s.utf8, c.uid, s.condstore, &sel};
  std::optional<uint64_t> changedsince = args.changedsince;
  std::vector<FetchItem> items = args.items;
  for (size_t at = 0; at < uids.size();) {
    std::vector<uint32_t> part(uids.begin() + at, uids.begin() + std::min(uids.size(), at + kBatch));
    auto ranges = SelectedFolder::to_ranges(part);
    auto batch_work = s.blocking([mailbox, folder, ranges, body, structure, mark_seen,
                                      changedsince]() -> sealmail::Result<Batch> {
      Batch b;
      auto listed = mailbox->list_messages(folder, ranges, structure);
      if (!listed) return listed.error();
      if (changedsince) std::erase_if(*listed, [&](auto& m) { return m.modseq <= *changedsince; });
      if (body) {
        // Keep bodies of at most kBodyBytesPerBatch (and at least one message) per batch.
        uint64_t bytes = 0;
        for (size_t i = 0; i < listed->size(); ++i) {
          bytes += (*listed)[i].size;
          if (bytes > kBodyBytesPerBatch && i > 0) {
            listed->resize(i);
            b.cut = true;
            b.last_uid = listed->back().uid;
            break;
          }
        }
      }
      if (mark_seen) {
        store::UidSet unseen;
        for (auto& m : *listed)
          if ((m.flags.system & store::kSeen) == 0) unseen.push_back({m.uid, m.uid});
        if (!unseen.empty()) {
          store::Flags seen;
          seen.system = store::kSeen;
          auto updated = mailbox->store_flags(folder, unseen, store::FlagMode::add, seen);
          if (!updated) return updated.error();
          for (auto& u : updated->updated)
            for (auto& m : *listed)
              if (m.uid == u.uid) {
                m.flags = u.flags;
                m.modseq = u.modseq;
              }
        }
      }
      if (body) {
        // Only the bodies of the messages kept above: reading the whole part would hold all of it.
        std::vector<uint32_t> kept;
        kept.reserve(listed->size());
        for (auto& m : *listed) kept.push_back(m.uid);
        auto raws = mailbox->fetch_raw_many(folder, SelectedFolder::to_ranges(kept));
        if (!raws) return raws.error();
        // Both lists are by ascending UID; a message expunged between the two reads is skipped.
        size_t j = 0;
        for (auto& m : *listed) {
          while (j < raws->size() && (*raws)[j].first < m.uid) ++j;
          if (j < raws->size() && (*raws)[j].first == m.uid) {
            b.raws.push_back(std::move((*raws)[j].second));
          } else {
            m.uid = 0;
            b.raws.emplace_back();
          }
        }
      }
      b.messages = std::move(*listed);
      return b;
    });
    auto batch = co_await std::move(batch_work);
    if (!batch) fail(batch.error());
    if (batch->cut) {
      at = static_cast<size_t>(std::upper_bound(uids.begin(), uids.end(), batch->last_uid) - uids.begin());
    } else {
      at += part.size();
    }
    for (size_t i = 0; i < batch->messages.size(); ++i) {
      auto& m = batch->messages[i];
      uint32_t seq = m.uid == 0 ? 0 : sel.seq_of(m.uid);
      if (seq == 0) continue;
      s.note_keywords(m.flags);
      std::string error;
      std::vector<FetchItem>* use = &items;
      std::vector<FetchItem> with_flags;
      if (mark_seen && sel.reported.count(m.uid) == 0) {
        // RFC 9051 §6.4.5: the \Seen the fetch set is reported in the same response.
        bool has_flags = std::any_of(items.begin(), items.end(),
                                     [](const FetchItem& f) { return f.kind == FetchItem::Kind::flags; });
        if (!has_flags) {
          with_flags = items;
          with_flags.push_back(FetchItem{FetchItem::Kind::flags});
          use = &with_flags;
        }
      }
      if (mark_seen) sel.reported[m.uid] = m.modseq;
      std::string_view raw = body ? std::string_view(batch->raws[i]) : std::string_view();
      if (!write_fetch(s.out(), seq, m, raw, *use, context, error)) no(error, "unknown Content-Transfer-Encoding");
    }
    if (s.out().size() >= kFlushAt && !co_await s.flush()) {
      s.close_after_command();
      co_return Completion{.skip_report = true, .skip_tagged = true};
    }
  }
  co_return Completion{.text = c.uid ? "UID FETCH completed" : "FETCH completed"};
}

}  // namespace sealmail::imap::commands

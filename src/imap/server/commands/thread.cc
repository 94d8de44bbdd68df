// THREAD and UID THREAD (RFC 5256 §3): ORDEREDSUBJECT and REFERENCES over the search result.
#include "imap/server/commands/handlers.h"
#include "imap/server/thread.h"

namespace sealmail::imap::commands {

asio::awaitable<std::vector<uint32_t>> run_search(Session& s, const SearchKey& key, store::SearchOptions options,
                                                  uint64_t* max_modseq);

Result thread(Session& s, Command& c) {
  auto& args = std::get<ThreadArgs>(c.args);
  if (args.algorithm != "ORDEREDSUBJECT" && args.algorithm != "REFERENCES")
    bad("unknown threading algorithm (ORDEREDSUBJECT and REFERENCES are supported)");
  auto search = run_search(s, args.key, {}, nullptr);
  auto uids = co_await std::move(search);
  std::sort(uids.begin(), uids.end());
  auto mailbox = s.mailbox_ptr();
  auto folder = s.selected()->name;
  auto ranges = SelectedFolder::to_ranges(uids);
  auto fields_work = s.blocking([mailbox, folder, ranges]() -> sealmail::Result<std::vector<store::ThreadFields>> {
    if (ranges.empty()) return std::vector<store::ThreadFields>{};
    return mailbox->thread_fields(folder, ranges);
  });
  auto fields = co_await std::move(fields_work);
  if (!fields) fail(fields.error());
  auto& sel = *s.selected();
  bool uid = c.uid;
  auto number = [&sel, uid](uint32_t u) { return uid ? u : sel.seq_of(u); };
  std::string data = args.algorithm == "REFERENCES" ? thread_references(*fields, number)
                                                    : thread_orderedsubject(*fields, number);
  s.untagged("THREAD" + std::string(data.empty() ? "" : " ") + data);
  co_return Completion{.text = "THREAD completed"};
}

}  // namespace sealmail::imap::commands

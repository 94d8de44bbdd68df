// SORT and UID SORT (RFC 5256 §3, RFC 5957 DISPLAYFROM/DISPLAYTO): the store orders the search
// result in SQL (its sort keys follow RFC 5256's base subject and address rules). REVERSE turns
// only the key it precedes; ties left by every key are in message-number order, ascending even
// after a REVERSE (RFC 5256 §3: "sequence number" breaks ties; ImapTest "sort-arrival" expects
// "(REVERSE ARRIVAL)" to keep equal dates ascending, as Dovecot does).
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

asio::awaitable<std::vector<uint32_t>> run_search(Session& s, const SearchKey& key, store::SearchOptions options,
                                                  uint64_t* max_modseq);

Result sort(Session& s, Command& c) {
  auto& args = std::get<SortArgs>(c.args);
  store::SearchOptions options;
  for (auto& criterion : args.criteria) {
    store::SortKey k = store::SortKey::arrival;
    switch (criterion.key) {
      case SortCriterion::Key::arrival: k = store::SortKey::arrival; break;
      case SortCriterion::Key::cc: k = store::SortKey::cc; break;
      case SortCriterion::Key::date: k = store::SortKey::date; break;
      case SortCriterion::Key::from: k = store::SortKey::from; break;
      case SortCriterion::Key::display_from: k = store::SortKey::display_from; break;
      case SortCriterion::Key::size: k = store::SortKey::size; break;
      case SortCriterion::Key::subject: k = store::SortKey::subject; break;
      case SortCriterion::Key::to: k = store::SortKey::to; break;
      case SortCriterion::Key::display_to: k = store::SortKey::display_to; break;
    }
    options.sort.emplace_back(k, criterion.reverse);
  }
  auto work = run_search(s, args.key, options, nullptr);
  auto uids = co_await std::move(work);
  auto& sel = *s.selected();
  std::string line = "SORT";
  for (uint32_t uid : uids) line += " " + std::to_string(c.uid ? uid : sel.seq_of(uid));
  s.untagged(line);
  co_return Completion{.text = "SORT completed"};
}

}  // namespace sealmail::imap::commands

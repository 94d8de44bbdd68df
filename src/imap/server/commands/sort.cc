// SORT and UID SORT (RFC 5256 §3, RFC 5957 DISPLAYFROM/DISPLAYTO): the store orders the search
// result in SQL (its sort keys follow RFC 5256's base subject and address rules), ties last by
// message number. RFC 5256 does not say how REVERSE on the first key meets that last tie-break;
// as Dovecot does, REVERSE on the first key reverses the whole order (ties included), and on a
// later key only that key.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

asio::awaitable<std::vector<uint32_t>> run_search(Session& s, const SearchKey& key, store::SearchOptions options,
                                                  uint64_t* max_modseq);

Result sort(Session& s, Command& c) {
  auto& args = std::get<SortArgs>(c.args);
  store::SearchOptions options;
  bool all_reversed = !args.criteria.empty() && args.criteria.front().reverse;
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
    bool first = options.sort.empty();
    options.sort.emplace_back(k, first ? criterion.reverse : criterion.reverse != all_reversed);
  }
  // Message numbers and UIDs are in the same order.
  if (all_reversed) options.sort.emplace_back(store::SortKey::uid, true);
  auto work = run_search(s, args.key, options, nullptr);
  auto uids = co_await std::move(work);
  auto& sel = *s.selected();
  std::string line = "SORT";
  for (uint32_t uid : uids) line += " " + std::to_string(c.uid ? uid : sel.seq_of(uid));
  s.untagged(line);
  co_return Completion{.text = "SORT completed"};
}

}  // namespace sealmail::imap::commands

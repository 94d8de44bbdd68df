// SEARCH and UID SEARCH (RFC 9051 §6.4.4), with ESEARCH (RFC 4731), SEARCHRES (RFC 5182) and
// MODSEQ (RFC 7162 §3.1.5). Answered by the store in one SQL query (search_compiler.h).
#include <algorithm>
#include <unordered_map>

#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"
#include "imap/server/search_compiler.h"

namespace sealmail::imap::commands {

namespace {

struct Found {
  std::vector<uint32_t> uids;
  std::unordered_map<uint32_t, uint64_t> modseqs;
};

// Runs the search (ordered by `options`) and keeps what the session knows of; with `modseqs`,
// also gives each found message's MODSEQ.
asio::awaitable<std::vector<uint32_t>> search_with_modseqs(Session& s, const SearchKey& key,
                                                           store::SearchOptions options,
                                                           std::unordered_map<uint32_t, uint64_t>* modseqs) {
  auto& sel = *s.selected();
  store::SearchKey compiled;
  try {
    compiled = compile_search(key, SearchContext{&sel.uids, &s.saved_search, &sel.recent});
  } catch (const SearchCompileError& e) {
    bad(e.text);
  }
  auto mailbox = s.mailbox_ptr();
  auto folder = sel.name;
  bool want_modseq = modseqs != nullptr;
  auto found_work = s.blocking([mailbox, folder, compiled, options, want_modseq]() -> sealmail::Result<Found> {
    auto uids = mailbox->search(folder, compiled, options);
    if (!uids) return uids.error();
    Found f{std::move(*uids), {}};
    if (want_modseq && !f.uids.empty()) {
      std::vector<uint32_t> sorted = f.uids;
      std::sort(sorted.begin(), sorted.end());
      auto listed = mailbox->list_messages(folder, SelectedFolder::to_ranges(sorted), false);
      if (!listed) return listed.error();
      for (auto& m : *listed) f.modseqs[m.uid] = m.modseq;
    }
    return f;
  });
  auto found = co_await std::move(found_work);
  if (!found) {
    if (found.error().code == Errc::invalid_argument) bad(found.error().message);
    fail(found.error());
  }
  // Messages delivered after the client's last EXISTS are not its to see yet.
  std::erase_if(found->uids, [&](uint32_t uid) { return sel.seq_of(uid) == 0; });
  if (modseqs != nullptr) *modseqs = std::move(found->modseqs);
  co_return found->uids;
}

uint64_t highest_modseq(const std::unordered_map<uint32_t, uint64_t>& modseqs, const std::vector<uint32_t>& uids) {
  uint64_t out = 0;
  for (uint32_t uid : uids)
    if (auto it = modseqs.find(uid); it != modseqs.end()) out = std::max(out, it->second);
  return out;
}

}  // namespace

// Shared with SORT and THREAD.
asio::awaitable<std::vector<uint32_t>> run_search(Session& s, const SearchKey& key, store::SearchOptions options,
                                                  uint64_t* max_modseq) {
  std::unordered_map<uint32_t, uint64_t> modseqs;
  auto work = search_with_modseqs(s, key, options, max_modseq != nullptr ? &modseqs : nullptr);
  auto uids = co_await std::move(work);
  if (max_modseq != nullptr) *max_modseq = highest_modseq(modseqs, uids);
  co_return uids;
}

Result search(Session& s, Command& c) {
  auto& args = std::get<SearchArgs>(c.args);
  bool modseq = uses_modseq(args.key);
  if (modseq) s.enable_condstore();
  std::unordered_map<uint32_t, uint64_t> modseqs;
  std::vector<uint32_t> uids;
  try {
    auto work = search_with_modseqs(s, args.key, {}, modseq ? &modseqs : nullptr);
    uids = co_await std::move(work);
  } catch (const CommandError& e) {
    // RFC 5182 §2.1: a SEARCH with SAVE answered NO empties "$"; one answered BAD "MUST NOT
    // change" it. (An unknown charset is refused by the parser: see Error::empties_saved_result.)
    if (e.kind == CommandError::Kind::no && args.ret && args.ret->save) s.saved_search.clear();
    throw;
  }
  uint64_t max_modseq = highest_modseq(modseqs, uids);
  auto& sel = *s.selected();
  std::vector<uint32_t> numbers;
  for (uint32_t uid : uids) numbers.push_back(c.uid ? uid : sel.seq_of(uid));
  std::sort(numbers.begin(), numbers.end());
  std::optional<SearchReturn> ret = args.ret;
  if (!ret && s.imap4rev2) ret = SearchReturn{.all = true};  // RFC 9051 §6.4.4: ESEARCH always
  if (!ret) {
    std::string line = "SEARCH";
    for (uint32_t n : numbers) line += " " + std::to_string(n);
    if (modseq && !numbers.empty()) line += " (MODSEQ " + std::to_string(max_modseq) + ")";
    s.untagged(line);
    co_return Completion{.text = "SEARCH completed"};
  }
  SearchReturn r = *ret;
  if (!r.min && !r.max && !r.all && !r.count && !r.save) r.all = true;  // RETURN () means ALL
  if (r.save) {
    // RFC 5182 §2.4: with MIN or MAX (and neither ALL nor COUNT), only those are saved.
    std::vector<uint32_t> sorted = uids;
    std::sort(sorted.begin(), sorted.end());
    if ((r.min || r.max) && !r.all && !r.count && !sorted.empty()) {
      s.saved_search.clear();
      if (r.min) s.saved_search.push_back(sorted.front());
      if (r.max && (!r.min || sorted.back() != sorted.front())) s.saved_search.push_back(sorted.back());
    } else {
      s.saved_search = std::move(sorted);
    }
  }
  // RFC 5182 §2.4: RETURN (SAVE) alone produces no ESEARCH response.
  if (r.min || r.max || r.all || r.count) {
    std::string line = "ESEARCH (TAG " + quote_or_literal(c.tag) + ")";
    if (c.uid) line += " UID";
    if (!numbers.empty()) {
      if (r.min) line += " MIN " + std::to_string(numbers.front());
      if (r.max) line += " MAX " + std::to_string(numbers.back());
      if (r.all) line += " ALL " + format_sequence_set(numbers);
    }
    if (r.count) line += " COUNT " + std::to_string(numbers.size());
    if (modseq && !numbers.empty()) {
      // RFC 7162 §3.1.5 with RFC 4731: with only MIN and/or MAX, MODSEQ is the highest of the
      // messages returned, not of every match.
      uint64_t shown = max_modseq;
      if (!r.all && !r.count) {
        std::vector<uint32_t> sorted = uids;
        std::sort(sorted.begin(), sorted.end());
        std::vector<uint32_t> returned;
        if (r.min) returned.push_back(sorted.front());
        if (r.max) returned.push_back(sorted.back());
        shown = highest_modseq(modseqs, returned);
      }
      line += " MODSEQ " + std::to_string(shown);
    }
    s.untagged(line);
  }
  co_return Completion{.text = "SEARCH completed"};
}

}  // namespace sealmail::imap::commands

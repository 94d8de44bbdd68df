#include "imap/server/search_compiler.h"

#include <cctype>

namespace sealmail::imap {

namespace {

using SK = store::SearchKey;
using K = SearchKey::Kind;

store::UidSet uid_ranges(const std::vector<uint32_t>& sorted) {
  store::UidSet set;
  for (uint32_t uid : sorted) {
    if (!set.empty() && set.back().last + 1 == uid)
      set.back().last = uid;
    else
      set.push_back({uid, uid});
  }
  return set;
}

SK uids_key(store::UidSet set) {
  SK k;
  k.kind = SK::Kind::uids;
  k.uids = std::move(set);
  return k;
}

SK nothing() { return SK::combine(SK::Kind::not_, {SK::all()}); }

SK saved(const SearchContext& c) {
  if (c.saved == nullptr || c.saved->empty()) return nothing();
  return uids_key(uid_ranges(*c.saved));
}

SK recent(const SearchContext& c) {
  if (c.recent == nullptr || c.recent->empty()) return nothing();
  return uids_key(*c.recent);
}

SK text_key(SK::Kind kind, const SearchKey& key) { return SK::of(kind, key.value); }

}  // namespace

store::SearchKey compile_search(const SearchKey& key, const SearchContext& c) {
  const std::vector<uint32_t> none;
  const auto& uids = c.uids != nullptr ? *c.uids : none;
  switch (key.kind) {
    case K::all: return SK::all();
    case K::and_:
    case K::or_: {
      std::vector<SK> children;
      for (auto& child : key.children) children.push_back(compile_search(child, c));
      if (children.empty()) return SK::all();
      if (children.size() == 1) return std::move(children[0]);
      return SK::combine(key.kind == K::and_ ? SK::Kind::and_ : SK::Kind::or_, std::move(children));
    }
    case K::not_: {
      if (key.children.empty()) throw SearchCompileError{"NOT needs a key"};
      return SK::combine(SK::Kind::not_, {compile_search(key.children[0], c)});
    }
    case K::sequence_set: {
      if (key.set.saved_result) return saved(c);
      // Consecutive message numbers are one UID range: no UID between two of the session's
      // messages exists in the folder (UIDs only grow, and expunged ones are gone).
      store::UidSet set;
      uint32_t exists = static_cast<uint32_t>(uids.size());
      for (auto& r : resolve(key.set, exists)) {
        if (r.first == 0 || r.first > exists) continue;
        set.push_back({uids[r.first - 1], uids[std::min(r.last, exists) - 1]});
      }
      if (set.empty()) return nothing();
      return uids_key(std::move(set));
    }
    case K::uid: {
      if (key.set.saved_result) return saved(c);
      uint32_t max_uid = uids.empty() ? 0 : uids.back();
      store::UidSet set;
      for (auto& r : resolve(key.set, max_uid)) set.push_back({r.first, r.last});
      if (set.empty()) return nothing();
      return uids_key(std::move(set));
    }
    case K::answered: return SK::num(SK::Kind::flag_set, store::kAnswered);
    case K::deleted: return SK::num(SK::Kind::flag_set, store::kDeleted);
    case K::draft: return SK::num(SK::Kind::flag_set, store::kDraft);
    case K::flagged: return SK::num(SK::Kind::flag_set, store::kFlagged);
    case K::seen: return SK::num(SK::Kind::flag_set, store::kSeen);
    case K::unanswered: return SK::num(SK::Kind::flag_unset, store::kAnswered);
    case K::undeleted: return SK::num(SK::Kind::flag_unset, store::kDeleted);
    case K::undraft: return SK::num(SK::Kind::flag_unset, store::kDraft);
    case K::unflagged: return SK::num(SK::Kind::flag_unset, store::kFlagged);
    case K::unseen: return SK::num(SK::Kind::flag_unset, store::kSeen);
    case K::recent: return recent(c);
    case K::new_: return SK::combine(SK::Kind::and_, {recent(c), SK::num(SK::Kind::flag_unset, store::kSeen)});
    case K::old: return SK::combine(SK::Kind::not_, {recent(c)});
    case K::keyword: return text_key(SK::Kind::keyword, key);
    case K::unkeyword: return text_key(SK::Kind::unkeyword, key);
    case K::bcc: return text_key(SK::Kind::bcc, key);
    case K::body: return text_key(SK::Kind::body, key);
    case K::cc: return text_key(SK::Kind::cc, key);
    case K::from: return text_key(SK::Kind::from, key);
    case K::subject: return text_key(SK::Kind::subject, key);
    case K::text: return text_key(SK::Kind::text, key);
    case K::to: return text_key(SK::Kind::to, key);
    case K::header: {
      SK k = SK::of(SK::Kind::header, key.value);
      k.field = key.field;
      return k;
    }
    case K::before: return text_key(SK::Kind::before, key);
    case K::on: return text_key(SK::Kind::on, key);
    case K::since: return text_key(SK::Kind::since, key);
    case K::sent_before: return text_key(SK::Kind::sent_before, key);
    case K::sent_on: return text_key(SK::Kind::sent_on, key);
    case K::sent_since: return text_key(SK::Kind::sent_since, key);
    case K::larger: return SK::num(SK::Kind::larger, static_cast<int64_t>(key.number));
    case K::smaller: return SK::num(SK::Kind::smaller, static_cast<int64_t>(key.number));
    case K::older:
    case K::younger: throw SearchCompileError{"OLDER and YOUNGER (WITHIN) are not supported"};
    case K::modseq: return SK::num(SK::Kind::modseq_ge, static_cast<int64_t>(key.number));
    case K::regex: {
      SK k = SK::of(SK::Kind::regex, key.value);
      std::string field = key.field;
      if (field == "BODY" || field == "SUBJECT" || field == "FROM" || field == "TO") {
        for (auto& ch : field) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        k.field = field;
        k.text = "(?i)" + key.value;  // the stored text is case-folded: so is the match
        return k;
      }
      // Any other header: the pattern is matched within that header's lines of the decoded
      // header text (one header per line), the name compared case-insensitively.
      for (char ch : field)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
          throw SearchCompileError{"X-REGEX: not a header name"};
      // A leading "^" anchors at the start of the value; "$" already means the end of the line.
      k.field = "headers";
      bool anchored = !key.value.empty() && key.value[0] == '^';
      k.text = "(?mi)^" + field + ":[ \\t]*" + (anchored ? "(?:" + key.value.substr(1) : ".*?(?:" + key.value) + ")";
      return k;
    }
  }
  throw SearchCompileError{"unknown search key"};
}

bool uses_modseq(const SearchKey& key) {
  if (key.kind == K::modseq) return true;
  for (auto& child : key.children)
    if (uses_modseq(child)) return true;
  return false;
}

}  // namespace sealmail::imap

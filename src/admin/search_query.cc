#include "admin/search_query.h"

#include <charconv>

namespace sealmail::admin {

namespace {
using K = store::SearchKey::Kind;

Result<int64_t> number(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0)
    return make_error(Errc::invalid_argument, "not a number: " + s);
  return v;
}

Result<store::SearchKey> term(const std::string& t) {
  struct Flag {
    const char* name;
    uint32_t bit;
    bool set;
  };
  static const Flag flags[] = {{"seen", store::kSeen, true},         {"unseen", store::kSeen, false},
                               {"flagged", store::kFlagged, true},   {"unflagged", store::kFlagged, false},
                               {"answered", store::kAnswered, true}, {"deleted", store::kDeleted, true},
                               {"draft", store::kDraft, true}};
  for (const auto& f : flags)
    if (t == f.name) return store::SearchKey::num(f.set ? K::flag_set : K::flag_unset, f.bit);
  size_t colon = t.find(':');
  if (colon == std::string::npos) return store::SearchKey::of(K::text, t);
  std::string key = t.substr(0, colon), value = t.substr(colon + 1);
  struct Text {
    const char* name;
    K kind;
  };
  static const Text texts[] = {
      {"from", K::from},       {"to", K::to},         {"cc", K::cc},     {"bcc", K::bcc},
      {"subject", K::subject}, {"body", K::body},     {"text", K::text}, {"keyword", K::keyword},
      {"since", K::since},     {"before", K::before}, {"on", K::on}};
  for (const auto& x : texts)
    if (key == x.name) return store::SearchKey::of(x.kind, value);
  if (key == "larger" || key == "smaller") {
    auto n = number(value);
    if (!n) return n.error();
    return store::SearchKey::num(key == "larger" ? K::larger : K::smaller, *n);
  }
  if (key == "header") {
    size_t eq = value.find('=');
    store::SearchKey k = store::SearchKey::of(K::header, eq == std::string::npos ? "" : value.substr(eq + 1));
    k.field = value.substr(0, eq);
    return k;
  }
  if (key == "regex") {
    store::SearchKey k = store::SearchKey::of(K::regex, value);
    k.field = "body";
    return k;
  }
  if (key == "uid") {
    size_t dash = value.find('-');
    auto lo = number(value.substr(0, dash));
    auto hi = dash == std::string::npos ? lo : number(value.substr(dash + 1));
    if (!lo || !hi) return make_error(Errc::invalid_argument, "uid:A-B takes numbers");
    store::SearchKey k;
    k.kind = K::uids;
    k.uids = {{static_cast<uint32_t>(*lo), static_cast<uint32_t>(*hi)}};
    return k;
  }
  return make_error(Errc::invalid_argument, "unknown search term '" + key + ":'");
}
}  // namespace

Result<store::SearchKey> parse_search_query(const std::vector<std::string>& terms) {
  std::vector<store::SearchKey> keys;
  for (const auto& t : terms) {
    bool negate = t.rfind("not:", 0) == 0 && t.size() > 4;
    auto k = term(negate ? t.substr(4) : t);
    if (!k) return k.error();
    keys.push_back(negate ? store::SearchKey::combine(K::not_, {std::move(*k)}) : std::move(*k));
  }
  if (keys.empty()) return store::SearchKey::all();
  if (keys.size() == 1) return std::move(keys.front());
  return store::SearchKey::combine(K::and_, std::move(keys));
}

}  // namespace sealmail::admin

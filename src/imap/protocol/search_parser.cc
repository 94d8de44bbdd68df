// SEARCH keys and programs (RFC 9051 §6.4.4, RFC 3501 §6.4.4), ESEARCH return options (RFC 4731
// §3.1), SEARCHRES SAVE and "$" (RFC 5182), MODSEQ (RFC 7162 §3.1.5), OLDER/YOUNGER (RFC 5032),
// X-REGEX (search_key.h), SORT and THREAD (RFC 5256 §3, RFC 5957 DISPLAYFROM/DISPLAYTO).
#include <span>
#include <string_view>
#include <utility>

#include "imap/protocol/parsers.h"
#include "imap/protocol/response.h"

namespace sealmail::imap::detail {

namespace {

using Kind = SearchKey::Kind;

struct Word {
  std::string_view name;
  Kind kind;
};

constexpr Word kFlagKeys[] = {
    {"ALL", Kind::all},
    {"ANSWERED", Kind::answered},
    {"DELETED", Kind::deleted},
    {"DRAFT", Kind::draft},
    {"FLAGGED", Kind::flagged},
    {"SEEN", Kind::seen},
    {"RECENT", Kind::recent},
    {"NEW", Kind::new_},
    {"OLD", Kind::old},
    {"UNANSWERED", Kind::unanswered},
    {"UNDELETED", Kind::undeleted},
    {"UNDRAFT", Kind::undraft},
    {"UNFLAGGED", Kind::unflagged},
    {"UNSEEN", Kind::unseen},
};

constexpr Word kStringKeys[] = {
    {"BCC", Kind::bcc},         {"BODY", Kind::body}, {"CC", Kind::cc}, {"FROM", Kind::from},
    {"SUBJECT", Kind::subject}, {"TEXT", Kind::text}, {"TO", Kind::to},
};

constexpr Word kDateKeys[] = {
    {"BEFORE", Kind::before},          {"ON", Kind::on},          {"SINCE", Kind::since},
    {"SENTBEFORE", Kind::sent_before}, {"SENTON", Kind::sent_on}, {"SENTSINCE", Kind::sent_since},
};

const Word* find(std::span<const Word> table, std::string_view name) {
  for (const Word& w : table) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

SearchKey make(Kind kind) {
  SearchKey k;
  k.kind = kind;
  return k;
}

std::string date_value(Reader& r) {
  // date = date-text / DQUOTE date-text DQUOTE
  std::string text;
  if (r.peek() == '"') {
    text = r.string();
  } else {
    text = r.atom();
  }
  auto date = parse_date(text);
  if (!date) fail("Invalid date");
  return *date;
}

class SearchParser {
 public:
  explicit SearchParser(Reader& r) : r_(r) {}

  SearchKey key() {
    if (++depth_ > r_.limits().max_search_depth) fail("Search keys nested too deeply");
    SearchKey k = key_inner();
    --depth_;
    return k;
  }

  // search-key *(SP search-key): their AND, or the key alone.
  SearchKey program() {
    SearchKey first = key();
    if (!r_.try_sp()) return first;
    SearchKey all = make(Kind::and_);
    all.children.push_back(std::move(first));
    do {
      all.children.push_back(key());
    } while (r_.try_sp());
    return all;
  }

 private:
  SearchKey key_inner() {
    char c = r_.peek();
    if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
      SearchKey k = make(Kind::sequence_set);
      k.set = r_.sequence_set();
      return k;
    }
    if (c == '(') {
      // "(" search-key *(SP search-key) ")": AND of the keys.
      r_.open_paren();
      SearchKey k = make(Kind::and_);
      do {
        k.children.push_back(key());
      } while (r_.try_sp());
      r_.close_paren();
      return k;
    }
    std::string name = to_upper(r_.atom());
    if (const Word* w = find(kFlagKeys, name)) return make(w->kind);
    if (const Word* w = find(kStringKeys, name)) {
      SearchKey k = make(w->kind);
      r_.sp();
      k.value = r_.astring();
      return k;
    }
    if (const Word* w = find(kDateKeys, name)) {
      SearchKey k = make(w->kind);
      r_.sp();
      k.value = date_value(r_);
      return k;
    }
    if (name == "NOT") {
      SearchKey k = make(Kind::not_);
      r_.sp();
      k.children.push_back(key());
      return k;
    }
    if (name == "OR") {
      SearchKey k = make(Kind::or_);
      r_.sp();
      k.children.push_back(key());
      r_.sp();
      k.children.push_back(key());
      return k;
    }
    if (name == "HEADER") {
      SearchKey k = make(Kind::header);
      r_.sp();
      k.field = r_.astring();
      r_.sp();
      k.value = r_.astring();
      return k;
    }
    if (name == "KEYWORD" || name == "UNKEYWORD") {
      SearchKey k = make(name == "KEYWORD" ? Kind::keyword : Kind::unkeyword);
      r_.sp();
      k.value = r_.atom();  // flag-keyword = atom
      return k;
    }
    if (name == "LARGER" || name == "SMALLER") {
      SearchKey k = make(name == "LARGER" ? Kind::larger : Kind::smaller);
      r_.sp();
      k.number = r_.number64();  // RFC 9051 §9: number64
      return k;
    }
    if (name == "OLDER" || name == "YOUNGER") {
      SearchKey k = make(name == "OLDER" ? Kind::older : Kind::younger);
      r_.sp();
      k.number = r_.nz_number();  // RFC 5032 §3: nz-number
      return k;
    }
    if (name == "UID") {
      SearchKey k = make(Kind::uid);
      r_.sp();
      k.set = r_.sequence_set();
      return k;
    }
    if (name == "MODSEQ") {
      // RFC 7162 §3.1.5: "MODSEQ" [search-modsequence-ext] SP mod-sequence-valzer;
      // search-modsequence-ext = SP entry-name SP entry-type-req.
      SearchKey k = make(Kind::modseq);
      r_.sp();
      if (r_.peek() == '"') {
        k.field = r_.string();
        r_.sp();
        k.value = to_upper(r_.atom());
        if (k.value != "PRIV" && k.value != "SHARED" && k.value != "ALL") fail("Invalid MODSEQ entry type");
        for (char& ch : k.value) ch = static_cast<char>(ch - 'A' + 'a');
        r_.sp();
      }
      k.number = r_.number64();
      return k;
    }
    if (name == "X-REGEX") {
      SearchKey k = make(Kind::regex);
      r_.sp();
      k.field = r_.astring();
      std::string upper = to_upper(k.field);
      if (upper == "BODY" || upper == "SUBJECT" || upper == "FROM" || upper == "TO") k.field = upper;
      if (k.field.empty()) fail("Empty X-REGEX field");
      r_.sp();
      k.value = r_.astring();
      return k;
    }
    fail("Unknown search key");
  }

  Reader& r_;
  int depth_ = 0;
};

// charset: only UTF-8 and US-ASCII (what we announce in BADCHARSET).
std::string checked_charset(Reader& r) {
  std::string charset = to_upper(r.charset());
  // Search keys must follow: "SORT (DATE) ALL" lacks a charset, which is a syntax error, not an
  // unknown charset.
  if (r.peek() != ' ') fail("Expected a charset and search keys");
  if (charset != "UTF-8" && charset != "US-ASCII") {
    throw ParseError{"Unsupported charset", Error::Kind::bad_charset};
  }
  return charset;
}

}  // namespace

SearchArgs parse_search(Reader& r) {
  SearchArgs a;
  r.sp();
  if (r.try_keyword("RETURN")) {
    // RFC 4731 §3.1: search-return-opts; "RETURN ()" is RETURN (ALL).
    a.ret.emplace();
    r.sp();
    r.open_paren();
    if (r.peek() == ')') {
      a.ret->all = true;
    } else {
      do {
        std::string opt = to_upper(r.atom());
        if (opt == "MIN") {
          a.ret->min = true;
        } else if (opt == "MAX") {
          a.ret->max = true;
        } else if (opt == "ALL") {
          a.ret->all = true;
        } else if (opt == "COUNT") {
          a.ret->count = true;
        } else if (opt == "SAVE") {
          a.ret->save = true;
        } else {
          fail("Unknown SEARCH return option");
        }
      } while (r.try_sp());
    }
    r.close_paren();
    r.sp();
  }
  if (r.try_keyword("CHARSET")) {
    r.sp();
    try {
      a.charset = checked_charset(r);
    } catch (ParseError& e) {
      // RFC 5182 §2.1: a SAVE search answered NO leaves "$" empty (a BAD leaves it as it was).
      if (e.kind == Error::Kind::bad_charset && a.ret && a.ret->save) e.empties_saved_result = true;
      throw;
    }
    r.sp();
  }
  a.key = SearchParser(r).program();
  return a;
}

SortArgs parse_sort(Reader& r) {
  using SK = SortCriterion::Key;
  static constexpr std::pair<std::string_view, SK> kKeys[] = {
      {"ARRIVAL", SK::arrival},
      {"CC", SK::cc},
      {"DATE", SK::date},
      {"FROM", SK::from},
      {"SIZE", SK::size},
      {"SUBJECT", SK::subject},
      {"TO", SK::to},
      {"DISPLAYFROM", SK::display_from},
      {"DISPLAYTO", SK::display_to},
  };
  SortArgs a;
  r.sp();
  r.open_paren();
  do {
    SortCriterion c;
    std::string word = to_upper(r.atom());
    if (word == "REVERSE") {
      c.reverse = true;
      r.sp();
      word = to_upper(r.atom());
    }
    bool found = false;
    for (const auto& [name, key] : kKeys) {
      if (name == word) {
        c.key = key;
        found = true;
      }
    }
    if (!found) fail("Unknown sort key");
    a.criteria.push_back(c);
  } while (r.try_sp());
  r.close_paren();
  r.sp();
  a.charset = checked_charset(r);  // RFC 5256 §3: the charset is not optional in SORT
  r.sp();
  a.key = SearchParser(r).program();
  return a;
}

ThreadArgs parse_thread(Reader& r) {
  ThreadArgs a;
  r.sp();
  a.algorithm = to_upper(r.atom());
  r.sp();
  a.charset = checked_charset(r);
  r.sp();
  a.key = SearchParser(r).program();
  return a;
}

}  // namespace sealmail::imap::detail

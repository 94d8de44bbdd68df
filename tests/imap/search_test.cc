// SEARCH keys (RFC 9051 §6.4.4), ESEARCH (RFC 4731), SEARCHRES (RFC 5182), MODSEQ (RFC 7162),
// X-REGEX, SORT and THREAD (RFC 5256): wire text -> parsed value.
#include "test_util.h"

namespace sealmail::imap {
namespace {

using test_support::args;
using test_support::command;
using test_support::error;
using Kind = SearchKey::Kind;

SearchKey key(Kind kind) {
  SearchKey k;
  k.kind = kind;
  return k;
}
SearchKey val(Kind kind, std::string value, std::string field = {}) {
  SearchKey k = key(kind);
  k.value = std::move(value);
  k.field = std::move(field);
  return k;
}
SearchKey num(Kind kind, uint64_t n) {
  SearchKey k = key(kind);
  k.number = n;
  return k;
}
SearchKey set(Kind kind, std::vector<SeqRange> ranges) {
  SearchKey k = key(kind);
  k.set.ranges = std::move(ranges);
  return k;
}
SearchKey all_of(std::vector<SearchKey> children) {
  SearchKey k = key(Kind::and_);
  k.children = std::move(children);
  return k;
}
SearchKey one_of(SearchKey a, SearchKey b) {
  SearchKey k = key(Kind::or_);
  k.children = {std::move(a), std::move(b)};
  return k;
}
SearchKey negate(SearchKey a) {
  SearchKey k = key(Kind::not_);
  k.children = {std::move(a)};
  return k;
}

SearchKey search(const std::string& keys) { return args<SearchArgs>("A1 SEARCH " + keys).key; }

TEST(Search, FlagKeys) {
  struct Row {
    const char* wire;
    Kind kind;
  } rows[] = {
      {"ALL", Kind::all},
      {"ANSWERED", Kind::answered},
      {"DELETED", Kind::deleted},
      {"DRAFT", Kind::draft},
      {"FLAGGED", Kind::flagged},
      {"NEW", Kind::new_},
      {"OLD", Kind::old},
      {"RECENT", Kind::recent},
      {"SEEN", Kind::seen},
      {"UNANSWERED", Kind::unanswered},
      {"UNDELETED", Kind::undeleted},
      {"UNDRAFT", Kind::undraft},
      {"UNFLAGGED", Kind::unflagged},
      {"UNSEEN", Kind::unseen},
      {"unseen", Kind::unseen},
  };
  for (const Row& r : rows) EXPECT_EQ(search(r.wire), key(r.kind)) << r.wire;
}

TEST(Search, StringKeys) {
  EXPECT_EQ(search("BCC x"), val(Kind::bcc, "x"));
  EXPECT_EQ(search("BODY \"hello world\""), val(Kind::body, "hello world"));
  EXPECT_EQ(search("CC {3}\r\na b"), val(Kind::cc, "a b"));
  EXPECT_EQ(search("FROM Smith"), val(Kind::from, "Smith"));
  EXPECT_EQ(search("SUBJECT \"\""), val(Kind::subject, ""));
  EXPECT_EQ(search("TEXT x"), val(Kind::text, "x"));
  EXPECT_EQ(search("TO y"), val(Kind::to, "y"));
  EXPECT_EQ(search("HEADER Message-ID <a@b>"), val(Kind::header, "<a@b>", "Message-ID"));
  EXPECT_EQ(search("HEADER X-Spam \"\""), val(Kind::header, "", "X-Spam"));
  EXPECT_EQ(search("KEYWORD $Junk"), val(Kind::keyword, "$Junk"));
  EXPECT_EQ(search("UNKEYWORD foo"), val(Kind::unkeyword, "foo"));
  // UTF-8 in a literal with CHARSET UTF-8.
  SearchArgs a = args<SearchArgs>("A1 SEARCH CHARSET UTF-8 SUBJECT {4}\r\n\xc3\xa9t\xc3");
  EXPECT_EQ(a.charset, "UTF-8");
  EXPECT_EQ(a.key, val(Kind::subject, "\xc3\xa9t\xc3"));
  EXPECT_EQ(args<SearchArgs>("A1 SEARCH CHARSET \"us-ascii\" ALL").charset, "US-ASCII");
}

TEST(Search, DatesAndNumbers) {
  EXPECT_EQ(search("BEFORE 1-Feb-1994"), val(Kind::before, "1994-02-01"));
  EXPECT_EQ(search("ON \"17-Jul-1996\""), val(Kind::on, "1996-07-17"));
  EXPECT_EQ(search("SINCE 29-feb-2024"), val(Kind::since, "2024-02-29"));
  EXPECT_EQ(search("SENTBEFORE 01-Jan-2000"), val(Kind::sent_before, "2000-01-01"));
  EXPECT_EQ(search("SENTON 31-Dec-1999"), val(Kind::sent_on, "1999-12-31"));
  EXPECT_EQ(search("SENTSINCE 1-Mar-2001"), val(Kind::sent_since, "2001-03-01"));
  EXPECT_EQ(search("LARGER 1000"), num(Kind::larger, 1000));
  EXPECT_EQ(search("SMALLER 5000000000"), num(Kind::smaller, 5000000000));
  EXPECT_EQ(search("OLDER 3600"), num(Kind::older, 3600));
  EXPECT_EQ(search("YOUNGER 60"), num(Kind::younger, 60));
  for (const char* bad : {"BEFORE 29-Feb-2023", "ON 1-Foo-2000", "SINCE 1994-02-01", "ON 32-Jan-2000", "ON 1-Jan-94",
                          "LARGER", "LARGER x", "YOUNGER 0", "ON"}) {
    EXPECT_EQ(error(std::string("A1 SEARCH ") + bad).kind, Error::Kind::bad) << bad;
  }
}

TEST(Search, SetsUidAndSaved) {
  EXPECT_EQ(search("1:3,5"), set(Kind::sequence_set, {{1, 3}, {5, 5}}));
  EXPECT_EQ(search("*"), set(Kind::sequence_set, {{0, 0}}));
  EXPECT_EQ(search("UID 10:*"), set(Kind::uid, {{10, 0}}));
  SearchKey saved = key(Kind::sequence_set);
  saved.set.saved_result = true;
  EXPECT_EQ(search("$"), saved);
  SearchKey saved_uid = key(Kind::uid);
  saved_uid.set.saved_result = true;
  EXPECT_EQ(search("UID $"), saved_uid);
}

TEST(Search, Combinations) {
  // RFC 9051 §6.4.4 example: FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith".
  EXPECT_EQ(search("FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\""),
            all_of({key(Kind::flagged), val(Kind::since, "1994-02-01"), negate(val(Kind::from, "Smith"))}));
  EXPECT_EQ(search("OR SEEN FLAGGED"), one_of(key(Kind::seen), key(Kind::flagged)));
  EXPECT_EQ(search("OR (SEEN UNDELETED) NOT (DRAFT)"),
            one_of(all_of({key(Kind::seen), key(Kind::undeleted)}), negate(all_of({key(Kind::draft)}))));
  EXPECT_EQ(search("OR OR FROM a TO a CC a"),
            one_of(one_of(val(Kind::from, "a"), val(Kind::to, "a")), val(Kind::cc, "a")));
  for (const char* bad : {"", "OR SEEN", "NOT", "()", "(SEEN", "SEEN)", "FOO", "SEEN  UNSEEN", "HEADER x"}) {
    EXPECT_EQ(error(std::string("A1 SEARCH ") + bad).kind, Error::Kind::bad) << bad;
  }
}

TEST(Search, Modseq) {
  EXPECT_EQ(search("MODSEQ 620162338"), num(Kind::modseq, 620162338));
  // RFC 7162 §3.1.5 example.
  SearchKey k = search("MODSEQ \"/flags/\\\\draft\" all 620162338");
  EXPECT_EQ(k.kind, Kind::modseq);
  EXPECT_EQ(k.field, "/flags/\\draft");
  EXPECT_EQ(k.value, "all");
  EXPECT_EQ(k.number, 620162338u);
  EXPECT_EQ(error("A1 SEARCH MODSEQ \"/flags/x\" foo 1").kind, Error::Kind::bad);
}

TEST(Search, Regex) {
  EXPECT_EQ(search("X-REGEX subject \"^Re: .*invoice\""), val(Kind::regex, "^Re: .*invoice", "SUBJECT"));
  EXPECT_EQ(search("X-REGEX body {5}\r\na\\d+b"), val(Kind::regex, "a\\d+b", "BODY"));
  EXPECT_EQ(search("X-REGEX List-Id foo"), val(Kind::regex, "foo", "List-Id"));
  EXPECT_EQ(error("A1 SEARCH X-REGEX subject").kind, Error::Kind::bad);
}

TEST(Search, ReturnOptions) {
  SearchArgs a = args<SearchArgs>("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"");
  ASSERT_TRUE(a.ret);
  EXPECT_EQ(*a.ret, (SearchReturn{true, false, false, true, false}));
  EXPECT_EQ(*args<SearchArgs>("A1 SEARCH RETURN () ALL").ret, (SearchReturn{false, false, true, false, false}));
  SearchArgs save = args<SearchArgs>("A1 UID SEARCH RETURN (SAVE MAX ALL) CHARSET UTF-8 UNSEEN");
  EXPECT_EQ(*save.ret, (SearchReturn{false, true, true, false, true}));
  EXPECT_EQ(save.charset, "UTF-8");
  EXPECT_FALSE(args<SearchArgs>("A1 SEARCH ALL").ret);
  EXPECT_EQ(error("A1 SEARCH RETURN (FOO) ALL").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 SEARCH RETURN ALL").kind, Error::Kind::bad);
}

TEST(Search, BadCharset) {
  Error e = error("A1 SEARCH CHARSET ISO-8859-1 SUBJECT x");
  EXPECT_EQ(e.kind, Error::Kind::bad_charset);
  EXPECT_EQ(e.tag, "A1");
  EXPECT_EQ(error("A1 SORT (DATE) KOI8-R ALL").kind, Error::Kind::bad_charset);
  EXPECT_EQ(error("A1 THREAD REFERENCES \"x\" ALL").kind, Error::Kind::bad_charset);
  EXPECT_FALSE(e.empties_saved_result);
}

// RFC 5182 §2.1: a SEARCH with SAVE answered NO (here BADCHARSET, its §2.2 example 5) empties
// "$"; the handler never runs, so the error says so. Also when the refusal comes before a literal.
TEST(Search, BadCharsetWithSaveEmptiesTheSavedResult) {
  Error e = error("A1 SEARCH RETURN (SAVE) CHARSET KOI8-R SUBJECT x");
  EXPECT_EQ(e.kind, Error::Kind::bad_charset);
  EXPECT_TRUE(e.empties_saved_result);
  EXPECT_TRUE(error("A1 UID SEARCH RETURN (MIN SAVE) CHARSET KOI8-R ALL").empties_saved_result);
  EXPECT_FALSE(error("A1 SEARCH RETURN (MIN) CHARSET KOI8-R ALL").empties_saved_result);
  // A BAD leaves "$" as it was.
  EXPECT_FALSE(error("A1 SEARCH RETURN (SAVE) CHARSET UTF-8 BOGUS").empties_saved_result);
  auto events = test_support::run("A2 SEARCH RETURN (SAVE) CHARSET KOI8-R SUBJECT {4}\r\n", Limits::after_login());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::get<Error>(events[0]).empties_saved_result);
}

TEST(Sort, Criteria) {
  using SK = SortCriterion::Key;
  Command c = command("A283 UID SORT (REVERSE DATE subject DISPLAYFROM) UTF-8 SINCE 1-Feb-1994");
  EXPECT_TRUE(c.uid);
  EXPECT_EQ(c.name, "SORT");
  SortArgs& a = std::get<SortArgs>(c.args);
  EXPECT_EQ(a.criteria,
            (std::vector<SortCriterion>{{SK::date, true}, {SK::subject, false}, {SK::display_from, false}}));
  EXPECT_EQ(a.charset, "UTF-8");
  EXPECT_EQ(a.key, val(Kind::since, "1994-02-01"));
  SortArgs all = args<SortArgs>("A1 SORT (ARRIVAL CC FROM SIZE TO DISPLAYTO) US-ASCII UNDELETED UNSEEN");
  EXPECT_EQ(all.criteria.size(), 6u);
  EXPECT_EQ(all.key, all_of({key(Kind::undeleted), key(Kind::unseen)}));
  for (const char* bad : {"A1 SORT () UTF-8 ALL", "A1 SORT (REVERSE) UTF-8 ALL", "A1 SORT (FOO) UTF-8 ALL",
                          "A1 SORT (DATE) ALL", "A1 SORT DATE UTF-8 ALL", "A1 SORT (DATE) UTF-8"}) {
    EXPECT_EQ(error(bad).kind, Error::Kind::bad) << bad;
  }
}

TEST(Thread, Arguments) {
  ThreadArgs a = args<ThreadArgs>("A284 THREAD orderedsubject UTF-8 SINCE 5-MAR-2000");
  EXPECT_EQ(a.algorithm, "ORDEREDSUBJECT");
  EXPECT_EQ(a.charset, "UTF-8");
  EXPECT_EQ(a.key, val(Kind::since, "2000-03-05"));
  Command c = command("A1 UID THREAD REFERENCES US-ASCII ALL");
  EXPECT_TRUE(c.uid);
  EXPECT_EQ(std::get<ThreadArgs>(c.args).algorithm, "REFERENCES");
  EXPECT_EQ(error("A1 THREAD REFERENCES").kind, Error::Kind::bad);
}

}  // namespace
}  // namespace sealmail::imap

// FETCH (RFC 9051 §6.4.5, BINARY RFC 3516, CONDSTORE/QRESYNC RFC 7162) and STORE (RFC 9051
// §6.4.6, UNCHANGEDSINCE): wire text -> parsed value.
#include "imap/protocol/response.h"
#include "test_util.h"

namespace sealmail::imap {
namespace {

using test_support::args;
using test_support::command;
using test_support::error;
using K = FetchItem::Kind;
using S = Section::Specifier;

FetchItem item(K kind) {
  FetchItem i;
  i.kind = kind;
  return i;
}

FetchItem one(const std::string& wire) {
  FetchArgs a = args<FetchArgs>(wire);
  EXPECT_EQ(a.items.size(), 1u) << wire;
  return a.items.empty() ? FetchItem{} : a.items[0];
}

TEST(Fetch, SimpleItems) {
  struct Row {
    const char* wire;
    K kind;
  } rows[] = {
      {"ENVELOPE", K::envelope},
      {"FLAGS", K::flags},
      {"INTERNALDATE", K::internaldate},
      {"RFC822", K::rfc822},
      {"RFC822.HEADER", K::rfc822_header},
      {"RFC822.SIZE", K::rfc822_size},
      {"RFC822.TEXT", K::rfc822_text},
      {"BODY", K::body},
      {"BODYSTRUCTURE", K::bodystructure},
      {"UID", K::uid},
      {"MODSEQ", K::modseq},
      {"uid", K::uid},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(one(std::string("A1 FETCH 1 ") + r.wire), item(r.kind)) << r.wire;
    EXPECT_EQ(one(std::string("A1 FETCH 1 (") + r.wire + ")"), item(r.kind)) << r.wire;
  }
}

TEST(Fetch, Macros) {
  EXPECT_EQ(args<FetchArgs>("A1 FETCH 1:* ALL").items,
            (std::vector<FetchItem>{item(K::flags), item(K::internaldate), item(K::rfc822_size), item(K::envelope)}));
  EXPECT_EQ(args<FetchArgs>("A1 FETCH 1 fast").items,
            (std::vector<FetchItem>{item(K::flags), item(K::internaldate), item(K::rfc822_size)}));
  EXPECT_EQ(args<FetchArgs>("A1 FETCH 1 FULL").items.size(), 5u);
  EXPECT_EQ(error("A1 FETCH 1 (ALL)").kind, Error::Kind::bad);  // macros stand alone
}

TEST(Fetch, SetsAndUid) {
  Command c = command("A1 UID FETCH 1:3,7,9:* (UID FLAGS)");
  EXPECT_TRUE(c.uid);
  FetchArgs& a = std::get<FetchArgs>(c.args);
  EXPECT_EQ(a.set.ranges, (std::vector<SeqRange>{{1, 3}, {7, 7}, {9, 0}}));
  EXPECT_EQ(a.items, (std::vector<FetchItem>{item(K::uid), item(K::flags)}));
  EXPECT_TRUE(args<FetchArgs>("A1 FETCH $ FLAGS").set.saved_result);
  EXPECT_EQ(error("A1 FETCH 1,$ FLAGS").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 FETCH 1: FLAGS").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 FETCH 1 ()").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 FETCH 1 (FLAGS").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 FETCH 1 FOO").text, "Unknown FETCH item");
}

TEST(Fetch, Sections) {
  struct Row {
    const char* wire;
    std::vector<uint32_t> part;
    S spec;
    std::vector<std::string> fields;
    bool peek;
  } rows[] = {
      {"BODY[]", {}, S::none, {}, false},
      {"BODY.PEEK[]", {}, S::none, {}, true},
      {"BODY[HEADER]", {}, S::header, {}, false},
      {"body.peek[header]", {}, S::header, {}, true},
      {"BODY[TEXT]", {}, S::text, {}, false},
      {"BODY[1]", {1}, S::none, {}, false},
      {"BODY[1.2.3]", {1, 2, 3}, S::none, {}, false},
      {"BODY[4.2.HEADER]", {4, 2}, S::header, {}, false},
      {"BODY[3.MIME]", {3}, S::mime, {}, false},
      {"BODY[2.TEXT]", {2}, S::text, {}, false},
      {"BODY[HEADER.FIELDS (From To)]", {}, S::header_fields, {"From", "To"}, false},
      {"BODY.PEEK[HEADER.FIELDS (DATE \"X-Odd Name\" {3}\r\nabc)]",
       {},
       S::header_fields,
       {"DATE", "X-Odd Name", "abc"},
       true},
      {"BODY[1.HEADER.FIELDS.NOT (Received)]", {1}, S::header_fields_not, {"Received"}, false},
  };
  for (const Row& r : rows) {
    FetchItem got = one(std::string("A1 FETCH 1 (") + r.wire + ")");
    EXPECT_EQ(got.kind, K::body_section) << r.wire;
    EXPECT_EQ(got.peek, r.peek) << r.wire;
    EXPECT_EQ(got.section, (Section{r.part, r.spec, r.fields})) << r.wire;
    EXPECT_FALSE(got.partial);
  }
  for (const char* bad : {"BODY[MIME]", "BODY[0]", "BODY[1.]", "BODY[HEADER.FIELDS]", "BODY[HEADER.FIELDS ()]",
                          "BODY[FOO]", "BODY[1", "BODY.PEEK", "BODY[]<1>", "BODY[]<1.0>", "BODY[1.TEXT.2]"}) {
    EXPECT_EQ(error(std::string("A1 FETCH 1 (") + bad + ")").kind, Error::Kind::bad) << bad;
  }
}

TEST(Fetch, Partial) {
  FetchItem i = one("A1 FETCH 1 BODY[]<0.2048>");
  ASSERT_TRUE(i.partial);
  EXPECT_EQ(*i.partial, (Partial{0, 2048}));
  EXPECT_EQ(fetch_item_name(i), "BODY[]<0>");
  EXPECT_EQ(*one("A1 FETCH 1 BINARY.PEEK[1]<100.5>").partial, (Partial{100, 5}));
}

TEST(Fetch, Binary) {
  FetchItem b = one("A1 FETCH 1 BINARY[1.2]");
  EXPECT_EQ(b.kind, K::binary_section);
  EXPECT_FALSE(b.peek);
  EXPECT_EQ(b.section.part, (std::vector<uint32_t>{1, 2}));
  EXPECT_TRUE(one("A1 FETCH 1 BINARY.PEEK[]").peek);
  FetchItem s = one("A1 FETCH 1 BINARY.SIZE[3]");
  EXPECT_EQ(s.kind, K::binary_size);
  EXPECT_EQ(s.section.part, (std::vector<uint32_t>{3}));
  EXPECT_EQ(error("A1 FETCH 1 BINARY[1.MIME]").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 FETCH 1 BINARY[HEADER]").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 FETCH 1 BINARY").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 FETCH 1 BINARY.SIZE[1]<0.1>").kind, Error::Kind::bad);
}

TEST(Fetch, Modifiers) {
  FetchArgs a = args<FetchArgs>("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)");
  EXPECT_EQ(a.changedsince, 12345u);
  EXPECT_FALSE(a.vanished);
  FetchArgs v = args<FetchArgs>("A1 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)");
  EXPECT_TRUE(v.vanished);
  EXPECT_EQ(v.changedsince, 12345u);
  EXPECT_EQ(args<FetchArgs>("A1 FETCH 1 FLAGS (CHANGEDSINCE 1)").changedsince, 1u);
  // RFC 7162 §3.2.6: VANISHED needs UID FETCH and CHANGEDSINCE.
  EXPECT_EQ(error("A1 FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 UID FETCH 1 (FLAGS) (VANISHED)").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 FETCH 1 (FLAGS) (FOO)").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 FETCH 1 (FLAGS) (CHANGEDSINCE 9223372036854775808)").kind, Error::Kind::bad);
}

TEST(Fetch, ResponseNames) {
  EXPECT_EQ(fetch_item_name(one("A1 FETCH 1 BODY.PEEK[1.HEADER.FIELDS (From \"a b\")]<5.10>")),
            "BODY[1.HEADER.FIELDS (From \"a b\")]<5>");
  EXPECT_EQ(fetch_item_name(one("A1 FETCH 1 BINARY.PEEK[2]")), "BINARY[2]");
  EXPECT_EQ(fetch_item_name(one("A1 FETCH 1 BINARY.SIZE[2]")), "BINARY.SIZE[2]");
  EXPECT_EQ(fetch_item_name(one("A1 FETCH 1 BODY[]")), "BODY[]");
  EXPECT_EQ(fetch_item_name(one("A1 FETCH 1 RFC822.SIZE")), "RFC822.SIZE");
}

TEST(Store, Modes) {
  StoreArgs a = args<StoreArgs>("A003 STORE 2:4 +FLAGS (\\Deleted)");
  EXPECT_EQ(a.mode, StoreMode::add);
  EXPECT_FALSE(a.silent);
  EXPECT_EQ(a.flags, (std::vector<std::string>{"\\Deleted"}));
  EXPECT_EQ(a.set.ranges, (std::vector<SeqRange>{{2, 4}}));
  StoreArgs b = args<StoreArgs>("A1 STORE 1 -FLAGS.SILENT (\\Seen $Junk)");
  EXPECT_EQ(b.mode, StoreMode::remove);
  EXPECT_TRUE(b.silent);
  EXPECT_EQ(b.flags, (std::vector<std::string>{"\\Seen", "$Junk"}));
  StoreArgs c = args<StoreArgs>("A1 STORE 1 flags ()");
  EXPECT_EQ(c.mode, StoreMode::replace);
  EXPECT_TRUE(c.flags.empty());
  // Flags without parentheses (RFC 9051 §9 store-att-flags).
  EXPECT_EQ(args<StoreArgs>("A1 STORE 1 +FLAGS \\Seen \\Flagged").flags,
            (std::vector<std::string>{"\\Seen", "\\Flagged"}));
  Command uid = command("A1 UID STORE 5 +FLAGS.SILENT (\\Answered)");
  EXPECT_TRUE(uid.uid);
  EXPECT_EQ(uid.name, "STORE");
}

TEST(Store, UnchangedSince) {
  StoreArgs a = args<StoreArgs>("d105 UID STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)");
  EXPECT_EQ(a.unchangedsince, 320162338u);
  EXPECT_EQ(args<StoreArgs>("A1 STORE 1 (UNCHANGEDSINCE 0) FLAGS ()").unchangedsince, 0u);
  EXPECT_EQ(error("A1 STORE 1 (FOO 1) FLAGS ()").kind, Error::Kind::bad);
}

TEST(Store, Errors) {
  for (const char* bad : {"A1 STORE 1 FLAGS", "A1 STORE 1 *FLAGS (a)", "A1 STORE 1 +FLAG (a)", "A1 STORE 1 FLAGS (a",
                          "A1 STORE FLAGS (a)", "A1 STORE 1 FLAGS (\\)", "A1 STORE 1 FLAGS (a b c) x)"}) {
    EXPECT_EQ(error(bad).kind, Error::Kind::bad) << bad;
  }
}

}  // namespace
}  // namespace sealmail::imap

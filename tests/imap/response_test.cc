// Response helpers (response.h): strings, sequence sets, flags, dates, status lines.
#include "imap/protocol/response.h"

#include <gtest/gtest.h>

namespace sealmail::imap {
namespace {

TEST(Response, QuoteOrLiteral) {
  EXPECT_EQ(quote_or_literal("hello"), "\"hello\"");
  EXPECT_EQ(quote_or_literal(""), "\"\"");
  EXPECT_EQ(quote_or_literal("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote_or_literal("a\r\nb"), "{4}\r\na\r\nb");
  EXPECT_EQ(quote_or_literal(std::string("a\0b", 3)), std::string("{3}\r\na\0b", 8));
  EXPECT_EQ(quote_or_literal("caf\xc3\xa9"), "{5}\r\ncaf\xc3\xa9");
  EXPECT_EQ(quote_or_literal("caf\xc3\xa9", true), "\"caf\xc3\xa9\"");  // UTF8=ACCEPT
  EXPECT_EQ(quote_or_literal("caf\xc3", true), "{4}\r\ncaf\xc3");       // not valid UTF-8
  std::string big(2000, 'x');
  EXPECT_EQ(quote_or_literal(big), "{2000}\r\n" + big);
  EXPECT_EQ(nstring(std::nullopt), "NIL");
  EXPECT_EQ(nstring("x"), "\"x\"");
  EXPECT_EQ(astring("INBOX"), "INBOX");
  EXPECT_EQ(astring("a]b"), "a]b");
  EXPECT_EQ(astring("nil"), "\"nil\"");
  EXPECT_EQ(astring("a b"), "\"a b\"");
  EXPECT_EQ(astring("a*"), "\"a*\"");
  EXPECT_EQ(astring(""), "\"\"");
}

TEST(Response, SequenceSets) {
  std::vector<uint32_t> uids = {7, 1, 2, 3, 3, 9, 10, 4294967295u};
  EXPECT_EQ(format_sequence_set(std::span<const uint32_t>(uids)), "1:3,7,9:10,4294967295");
  EXPECT_EQ(format_sequence_set(std::span<const uint32_t>()), "");
  SequenceSet s = *parse_sequence_set("5:3,9,*,2:*");
  EXPECT_EQ(format_sequence_set(s), "5:3,9,*,2:*");
  EXPECT_EQ(format_sequence_set(resolve(s, 10)), "2:10");
  EXPECT_EQ(format_sequence_set(resolve(*parse_sequence_set("5:3,9,11"), 10)), "3:5,9,11");
  EXPECT_EQ(format_sequence_set(resolve(*parse_sequence_set("1:*"), 0)), "");  // empty mailbox
  EXPECT_EQ(format_sequence_set(*parse_sequence_set("$")), "$");
  EXPECT_TRUE(contains(*parse_sequence_set("1:3,7:*"), 8, 9));
  EXPECT_FALSE(contains(*parse_sequence_set("1:3,7:*"), 5, 9));
  EXPECT_TRUE(contains(*parse_sequence_set("*:4"), 6, 9));
  for (const char* bad : {"", "0", "1,", ",1", "1::2", "1:", "a", "$,1", "4294967296", "01"}) {
    EXPECT_FALSE(parse_sequence_set(bad)) << bad;
  }
}

TEST(Response, Flags) {
  std::vector<std::string> flags = {"\\Seen", "$Junk"};
  EXPECT_EQ(format_flags(flags), "(\\Seen $Junk)");
  EXPECT_EQ(format_flags({}), "()");
}

TEST(Response, Dates) {
  EXPECT_EQ(format_internal_date(837570265), "\"17-Jul-1996 02:24:25 +0000\"");
  EXPECT_EQ(format_internal_date(837570265, -7 * 60), "\"16-Jul-1996 19:24:25 -0700\"");
  EXPECT_EQ(format_internal_date(0), "\" 1-Jan-1970 00:00:00 +0000\"");
  EXPECT_EQ(format_internal_date(-1), "\"31-Dec-1969 23:59:59 +0000\"");
  EXPECT_EQ(parse_date_time("17-Jul-1996 02:44:25 -0700"), 837596665);
  EXPECT_EQ(parse_date_time(" 1-Jan-1970 00:00:00 +0000"), 0);
  EXPECT_EQ(parse_date_time("1-jan-1970 01:00:00 +0100"), 0);
  for (const char* bad : {"17-Jul-1996 02:44:25", "17-Jul-1996 24:00:00 +0000", "17-Jul-96 02:44:25 +0000",
                          "17-Jux-1996 02:44:25 +0000", "17-Jul-1996 02:44:25 +0060", "  1-Jan-1970 00:00:00 +0000",
                          "29-Feb-1900 00:00:00 +0000", "17-Jul-1996 02:44:25 +0000 "}) {
    EXPECT_FALSE(parse_date_time(bad)) << bad;
  }
  EXPECT_EQ(parse_date_time("29-Feb-2000 00:00:00 +0000"), 951782400);
  // Round trip.
  for (int64_t t : {0LL, 951782400LL, 1700000000LL, 4102444799LL}) {
    std::string s = format_internal_date(t, 330);
    EXPECT_EQ(parse_date_time(s.substr(1, s.size() - 2)), t) << s;
  }
  EXPECT_EQ(parse_date("1-Feb-1994"), "1994-02-01");
  EXPECT_FALSE(parse_date("1-Feb-1994 "));
}

TEST(Response, StatusLines) {
  EXPECT_EQ(status_response("A1", "OK", "", "done"), "A1 OK done\r\n");
  EXPECT_EQ(status_response("", "BAD", "", "oops\r\nx"), "* BAD oops  x\r\n");
  EXPECT_EQ(status_response("A2", "NO", "BADCHARSET (UTF-8 US-ASCII)", "nope"),
            "A2 NO [BADCHARSET (UTF-8 US-ASCII)] nope\r\n");
  EXPECT_EQ(status_item_name(StatusItem::highestmodseq), "HIGHESTMODSEQ");
  EXPECT_EQ(status_item_name(StatusItem::deleted_storage), "DELETED-STORAGE");
}

TEST(Response, Sections) {
  EXPECT_EQ(format_section(Section{{1, 2}, Section::Specifier::mime, {}}), "1.2.MIME");
  EXPECT_EQ(format_section(Section{{}, Section::Specifier::header_fields_not, {"A", "b c"}}),
            "HEADER.FIELDS.NOT (A \"b c\")");
  EXPECT_EQ(format_section(Section{}), "");
}

}  // namespace
}  // namespace sealmail::imap

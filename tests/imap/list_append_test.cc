// LIST/LSUB with LIST-EXTENDED, LIST-STATUS, SPECIAL-USE (RFC 9051 §6.3.9, RFC 5258, RFC 5819,
// RFC 6154) and APPEND with MULTIAPPEND, literal8, UTF8 (RFC 3502, RFC 3516, RFC 6855).
#include "test_util.h"

namespace sealmail::imap {
namespace {

using test_support::args;
using test_support::command;
using test_support::error;

TEST(List, Basic) {
  ListArgs a = args<ListArgs>("A101 LIST \"\" \"\"");
  EXPECT_EQ(a.reference, "");
  EXPECT_EQ(a.patterns, (std::vector<std::string>{""}));
  EXPECT_FALSE(a.extended);
  EXPECT_EQ(args<ListArgs>("A1 LIST ~/Mail/ %").patterns, (std::vector<std::string>{"%"}));
  EXPECT_EQ(args<ListArgs>("A1 LIST ~/Mail/ %").reference, "~/Mail/");
  EXPECT_EQ(args<ListArgs>("A1 LIST \"\" INBOX.*").patterns, (std::vector<std::string>{"INBOX.*"}));
  EXPECT_EQ(args<ListArgs>("A1 LIST \"\" {3}\r\na*b").patterns, (std::vector<std::string>{"a*b"}));
  Command lsub = command("A1 LSUB \"#news.\" \"comp.mail.*\"");
  EXPECT_EQ(lsub.name, "LSUB");
  EXPECT_EQ(std::get<ListArgs>(lsub.args).patterns, (std::vector<std::string>{"comp.mail.*"}));
  EXPECT_EQ(error("A1 LSUB \"\" (a b)").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 LIST \"\"").kind, Error::Kind::bad);
}

TEST(List, Extended) {
  // RFC 5258 §5 examples.
  ListArgs a = args<ListArgs>("A02 LIST (SUBSCRIBED) \"\" \"*\"");
  EXPECT_TRUE(a.extended);
  EXPECT_TRUE(a.selection.subscribed);
  ListArgs b = args<ListArgs>("A03 LIST () \"\" \"%\" RETURN (CHILDREN)");
  EXPECT_TRUE(b.ret.children);
  ListArgs c = args<ListArgs>("A04 LIST (REMOTE subscribed RECURSIVEMATCH) \"\" (\"*\" \"Other Users/*\")");
  EXPECT_TRUE(c.selection.remote && c.selection.subscribed && c.selection.recursive_match);
  EXPECT_EQ(c.patterns, (std::vector<std::string>{"*", "Other Users/*"}));
  ListArgs d = args<ListArgs>("A1 LIST (SPECIAL-USE) \"\" * RETURN (SUBSCRIBED SPECIAL-USE CHILDREN)");
  EXPECT_TRUE(d.selection.special_use);
  EXPECT_TRUE(d.ret.subscribed && d.ret.special_use && d.ret.children);
  // RFC 5819 §5.
  ListArgs s = args<ListArgs>("A1 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))");
  ASSERT_TRUE(s.ret.status);
  EXPECT_EQ(*s.ret.status, (std::vector<StatusItem>{StatusItem::messages, StatusItem::unseen}));
  EXPECT_TRUE(s.extended);
  EXPECT_TRUE(args<ListArgs>("A1 LIST \"\" % RETURN ()").extended);
  for (const char* bad : {"A1 LIST (FOO) \"\" *", "A1 LIST (RECURSIVEMATCH) \"\" *", "A1 LIST \"\" * RETURN (FOO)",
                          "A1 LIST \"\" * RETURN (STATUS ())", "A1 LIST \"\" * FOO (CHILDREN)", "A1 LIST \"\" ()",
                          "A1 LIST \"\" * RETURN (STATUS (MESSAGES) STATUS (UNSEEN))"}) {
    EXPECT_EQ(error(bad).kind, Error::Kind::bad) << bad;
  }
}

TEST(Append, Simple) {
  AppendArgs a = args<AppendArgs>("A003 APPEND saved-messages (\\Seen) {10}\r\nDate: x\r\n\r\n");
  EXPECT_EQ(a.mailbox, "saved-messages");
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_EQ(a.messages[0].flags, (std::vector<std::string>{"\\Seen"}));
  EXPECT_EQ(a.messages[0].data, "Date: x\r\n\r");  // the literal is exactly 10 bytes
}

TEST(Append, DateAndFlagsOptional) {
  AppendArgs a = args<AppendArgs>("A1 APPEND inbox {3+}\r\nabc");
  EXPECT_EQ(a.mailbox, "INBOX");
  EXPECT_TRUE(a.messages[0].flags.empty());
  EXPECT_FALSE(a.messages[0].date);
  AppendArgs d = args<AppendArgs>("A1 APPEND x \"05-Nov-2023 14:30:00 +0100\" {1+}\r\nz");
  EXPECT_EQ(d.messages[0].date_text, "05-Nov-2023 14:30:00 +0100");
  EXPECT_EQ(d.messages[0].date, 1699191000);
  AppendArgs e = args<AppendArgs>("A1 APPEND x () \" 5-Nov-2023 14:30:00 -0000\" {1+}\r\nz");
  EXPECT_EQ(e.messages[0].date, 1699194600);
  EXPECT_EQ(error("A1 APPEND x \"5-Nov-2023\" {1+}\r\nz").text, "Invalid date-time");
  EXPECT_EQ(error("A1 APPEND x \"31-Nov-2023 14:30:00 +0100\" {1+}\r\nz").text, "Invalid date-time");
  EXPECT_EQ(error("A1 APPEND x \"message\"").kind, Error::Kind::bad);  // data must be a literal
  EXPECT_EQ(error("A1 APPEND x").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 APPEND x (\\Seen)").kind, Error::Kind::bad);
}

TEST(Append, Utf8AndBinary) {
  AppendArgs u = args<AppendArgs>("A1 APPEND x UTF8 (~{4+}\r\n\xc3\xa9\r\n)");
  EXPECT_TRUE(u.messages[0].utf8);
  EXPECT_TRUE(u.messages[0].binary);
  EXPECT_EQ(u.messages[0].data, "\xc3\xa9\r\n");
  AppendArgs b = args<AppendArgs>(std::string("A1 APPEND x (\\Draft) ~{3}\r\na") + '\0' + "b");
  EXPECT_TRUE(b.messages[0].binary);
  EXPECT_EQ(b.messages[0].data, std::string("a\0b", 3));
  EXPECT_EQ(error("A1 APPEND x UTF8 ~{1+}\r\na").kind, Error::Kind::bad);
  EXPECT_EQ(error("A1 APPEND x UTF8 (\"a\")").kind, Error::Kind::bad);
}

TEST(Append, Multiappend) {
  AppendArgs m =
      args<AppendArgs>("A1 APPEND x (\\Seen) {1+}\r\na {1+}\r\nb (\\Flagged) \"01-Jan-2020 00:00:00 +0000\" {1+}\r\nc");
  ASSERT_EQ(m.messages.size(), 3u);
  EXPECT_EQ(m.messages[0].data, "a");
  EXPECT_EQ(m.messages[1].data, "b");
  EXPECT_TRUE(m.messages[1].flags.empty());
  EXPECT_EQ(m.messages[2].data, "c");
  EXPECT_EQ(m.messages[2].date, 1577836800);
  EXPECT_EQ(error("A1 APPEND x {1+}\r\na ").kind, Error::Kind::bad);
}

}  // namespace
}  // namespace sealmail::imap

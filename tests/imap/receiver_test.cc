// The receiver (receiver.h): framing of lines and literals, continuations, limits, recovery after
// bad commands, pipelining, and independence from how the bytes are cut.
#include <random>

#include "test_util.h"

namespace sealmail::imap {
namespace {

using test_support::describe;
using test_support::run;

std::vector<std::string> describe_all(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(describe(e));
  return out;
}

Limits small() {
  Limits l;
  l.max_line = 40;
  l.max_literal = 20;
  l.max_command = 100;
  l.max_depth = 3;
  l.max_arguments = 12;
  return l;
}

// Every cut of the bytes gives the same events: whole, 1 byte, 2, 3, 7 bytes, and random cuts.
void expect_cut_independent(std::string_view wire, const Limits& limits) {
  auto whole = run(wire, limits);
  for (size_t chunk : {1, 2, 3, 7}) {
    EXPECT_TRUE(whole == run(wire, limits, chunk)) << "chunk " << chunk << " of: " << wire;
  }
  std::mt19937 rng(12345);
  for (int round = 0; round < 20; ++round) {
    Receiver r(limits);
    std::vector<Event> events;
    size_t pos = 0;
    while (pos < wire.size()) {
      size_t n = std::min(wire.size() - pos, static_cast<size_t>(rng() % 9 + 1));
      r.feed(wire.substr(pos, n));
      pos += n;
      for (Event e = r.next(); !std::holds_alternative<NeedMore>(e); e = r.next()) events.push_back(e);
    }
    EXPECT_TRUE(whole == events) << "random cuts (seed 12345, round " << round << ") of: " << wire;
  }
}

TEST(Receiver, SimpleCommandCrlfAndBareLf) {
  auto events = run("a1 noop\r\nA2 CAPABILITY\n", Limits::before_login());
  ASSERT_EQ(describe_all(events), (std::vector<std::string>{"Command a1 NOOP", "Command A2 CAPABILITY"}));
}

TEST(Receiver, NeedMoreUntilLineEnd) {
  Receiver r(Limits::before_login());
  r.feed("A1 NO");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("OP\r");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("\n");
  EXPECT_TRUE(std::holds_alternative<Command>(r.next()));
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(Receiver, EmptyLinesAreIgnored) {
  EXPECT_EQ(describe_all(run("\r\n\nA1 NOOP\r\n\r\n", Limits::before_login())),
            (std::vector<std::string>{"Command A1 NOOP"}));
}

TEST(Receiver, SynchronizingLiteralAsksForContinuation) {
  Receiver r(Limits::before_login());
  r.feed("A1 LOGIN {4}\r\n");
  Event e = r.next();
  auto* c = std::get_if<NeedContinuation>(&e);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tag, "A1");
  EXPECT_EQ(c->command, "LOGIN");
  EXPECT_EQ(c->size, 4u);
  EXPECT_FALSE(c->binary);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));  // not twice
  r.feed("user {6}\r\n");
  e = r.next();
  ASSERT_TRUE(std::holds_alternative<NeedContinuation>(e));
  r.feed("pa\"ss)\r\n");
  e = r.next();
  auto* cmd = std::get_if<Command>(&e);
  ASSERT_TRUE(cmd) << describe(e);
  auto& login = std::get<LoginArgs>(cmd->args);
  EXPECT_EQ(login.user, "user");
  EXPECT_EQ(login.password.str(), "pa\"ss)");
}

TEST(Receiver, NonSynchronizingLiteralsNeedNoContinuation) {
  auto events = run("A1 LOGIN {4+}\r\nuser {3+}\r\npw!\r\nA2 NOOP\r\n", Limits::before_login());
  ASSERT_EQ(describe_all(events), (std::vector<std::string>{"Command A1 LOGIN", "Command A2 NOOP"}));
  EXPECT_EQ(std::get<LoginArgs>(std::get<Command>(events[0]).args).password.str(), "pw!");
}

TEST(Receiver, LiteralMayHoldCrlfAndBraces) {
  std::string wire = "A1 LOGIN {7+}\r\na\r\nb{1} \"x\"\r\n";
  auto events = run(wire, Limits::before_login());
  ASSERT_EQ(events.size(), 1u) << describe(events[0]);
  EXPECT_EQ(std::get<LoginArgs>(std::get<Command>(events[0]).args).user, "a\r\nb{1}");
  expect_cut_independent(wire, Limits::before_login());
}

TEST(Receiver, MarkerInsideQuotedStringIsNotALiteral) {
  // The line ends inside a quoted string: no literal, the command is just bad.
  auto events = run("A1 LOGIN \"a {3}\r\nA2 NOOP\r\n", Limits::before_login());
  ASSERT_EQ(describe_all(events).size(), 2u);
  EXPECT_EQ(std::get<Error>(events[0]).kind, Error::Kind::bad);
  EXPECT_EQ(std::get<Error>(events[0]).tag, "A1");
  EXPECT_TRUE(std::holds_alternative<Command>(events[1]));
  // Escaped quotes do not end a quoted string.
  auto ok = run("A1 LOGIN \"a\\\"\" {3}\r\nabc\r\n", Limits::before_login());
  ASSERT_EQ(describe_all(ok), (std::vector<std::string>{"NeedContinuation A1 3", "Command A1 LOGIN"}));
  EXPECT_EQ(std::get<LoginArgs>(std::get<Command>(ok[1]).args).user, "a\"");
}

TEST(Receiver, Literal8InAppend) {
  std::string data("ab\0c\r\n", 6);
  std::string wire = "A1 APPEND INBOX ~{6}\r\n" + data + "\r\n";
  auto events = run(wire, Limits::after_login());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::get<NeedContinuation>(events[0]).binary);
  auto& append = std::get<AppendArgs>(std::get<Command>(events[1]).args);
  ASSERT_EQ(append.messages.size(), 1u);
  EXPECT_EQ(append.messages[0].data, data);
  EXPECT_TRUE(append.messages[0].binary);
  // NUL is refused in a plain literal (RFC 9051 §9 CHAR8).
  auto bad = run("A1 APPEND INBOX {6+}\r\n" + data + "\r\nA2 NOOP\r\n", Limits::after_login());
  ASSERT_EQ(describe_all(bad).size(), 2u);
  EXPECT_EQ(std::get<Error>(bad[0]).kind, Error::Kind::bad);
  EXPECT_TRUE(std::holds_alternative<Command>(bad[1]));
}

TEST(Receiver, Pipelining) {
  std::string wire =
      "A1 NOOP\r\nA2 LOGIN {1+}\r\nu p\r\nA3 SELECT INBOX\r\nA4 FETCH 1:* (FLAGS)\r\nA5 BAD-COMMAND\r\nA6 LOGOUT\r\n";
  auto events = run(wire, Limits::after_login());
  EXPECT_EQ(describe_all(events),
            (std::vector<std::string>{"Command A1 NOOP", "Command A2 LOGIN", "Command A3 SELECT", "Command A4 FETCH",
                                      "Error[bad] A5 Unknown command", "Command A6 LOGOUT"}));
  expect_cut_independent(wire, Limits::after_login());
}

TEST(Receiver, LineTooLongAfterLoginIsBadAndRecovers) {
  std::string wire = "A1 NOOP " + std::string(50, 'x') + "\r\nA2 NOOP\r\n";
  auto events = run(wire, small());
  EXPECT_EQ(describe_all(events), (std::vector<std::string>{"Error[bad] A1 Line too long", "Command A2 NOOP"}));
  expect_cut_independent(wire, small());
}

TEST(Receiver, LineTooLongBeforeLoginIsFatal) {
  Limits l = small();
  l.long_line_is_fatal = true;
  auto events = run("A1 NOOP " + std::string(50, 'x') + "\r\n", l);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(std::get<Error>(events[0]).kind, Error::Kind::fatal);
  // Detected before the line end arrives: a client cannot make us buffer without bound.
  Receiver r(l);
  r.feed(std::string(40, 'x'));
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("x");  // 41 bytes and no CR: too long whatever comes next
  Event e = r.next();
  ASSERT_TRUE(std::holds_alternative<Error>(e));
  EXPECT_EQ(std::get<Error>(e).kind, Error::Kind::fatal);
}

TEST(Receiver, LineExactlyAtTheLimit) {
  Limits l = small();  // 40 bytes per line, CRLF not counted
  auto id_line = [](size_t length) {
    std::string head = "A1 ID (\"a\" \"";
    return head + std::string(length - head.size() - 2, 'b') + "\")";
  };
  std::string wire = id_line(40) + "\r\nA2 NOOP\r\n";
  ASSERT_EQ(wire.find("\r\n"), 40u);
  EXPECT_EQ(describe_all(run(wire, l)), (std::vector<std::string>{"Command A1 ID", "Command A2 NOOP"}));
  expect_cut_independent(wire, l);
  std::string longer = id_line(41) + "\r\nA2 NOOP\r\n";
  EXPECT_EQ(describe_all(run(longer, l)), (std::vector<std::string>{"Error[bad] A1 Line too long", "Command A2 NOOP"}));
  expect_cut_independent(longer, l);
  // A CR alone at the limit may still be the start of CRLF: the receiver waits.
  Receiver r(l);
  r.feed(id_line(40) + "\r");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("\n");
  EXPECT_TRUE(std::holds_alternative<Command>(r.next()));
}

TEST(Receiver, SynchronizingLiteralTooBigAndNextCommandParses) {
  // RFC 7888 §4: the server refuses, the client does not send the literal and goes on.
  std::string wire = "A1 LOGIN {21}\r\nA2 NOOP\r\n";
  auto events = run(wire, small());
  EXPECT_EQ(describe_all(events), (std::vector<std::string>{"Error[too_big] A1 Literal too big", "Command A2 NOOP"}));
  expect_cut_independent(wire, small());
  // At the limit it is fine.
  auto ok = run("A1 LOGIN {20}\r\n" + std::string(20, 'u') + " p\r\n", small());
  EXPECT_EQ(describe_all(ok), (std::vector<std::string>{"NeedContinuation A1 20", "Command A1 LOGIN"}));
}

TEST(Receiver, NonSynchronizingLiteralTooBigIsFatal) {
  auto events = run("A1 LOGIN {21+}\r\n" + std::string(21, 'u') + " p\r\n", small());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(std::get<Error>(events[0]).kind, Error::Kind::fatal);
  EXPECT_EQ(std::get<Error>(events[0]).tag, "A1");
}

TEST(Receiver, CommandSizeLimitCountsLiterals) {
  // 100 bytes per command: the third 20-byte literal does not fit with the lines before it.
  std::string m(20, 'm');
  std::string wire = "A1 APPEND INBOX {20}\r\n" + m + " {20}\r\n" + m + " (\\Seen) {20}\r\nA2 NOOP\r\n";
  auto events = run(wire, small());
  EXPECT_EQ(describe_all(events), (std::vector<std::string>{"NeedContinuation A1 20", "NeedContinuation A1 20",
                                                            "Error[too_big] A1 Literal too big", "Command A2 NOOP"}));
  expect_cut_independent(wire, small());
  // A line that does not fit in what is left of the command is refused like a long line.
  std::string lines = "A1 APPEND INBOX {20}\r\n" + m + " {20}\r\n" + m + " {20}\r\n" + m + " {20}\r\nA2 NOOP\r\n";
  auto d = describe_all(run(lines, small()));
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[3], "Error[bad] A1 Command too long");
  EXPECT_EQ(d[4], "Command A2 NOOP");
  expect_cut_independent(lines, small());
}

TEST(Receiver, NestingDepthLimit) {
  Limits l = small();  // depth 3
  EXPECT_TRUE(std::holds_alternative<Command>(run("A1 SEARCH (((SEEN)))\r\n", l)[0]));
  auto events = run("A1 SEARCH ((((SEEN))))\r\nA2 NOOP\r\n", l);
  EXPECT_EQ(describe_all(events), (std::vector<std::string>{"Error[bad] A1 Too deeply nested", "Command A2 NOOP"}));
}

TEST(Receiver, SearchNestingLimitWithoutParentheses) {
  Limits l = Limits::after_login();
  std::string deep = "A1 SEARCH ";
  for (int i = 0; i < 200; ++i) deep += "NOT ";
  deep += "SEEN\r\n";
  auto events = run(deep, l);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<Error>(events[0]).text, "Search keys nested too deeply");
  // A long chain of OR as clients send it is fine.
  std::string chain = "A1 SEARCH ";
  for (int i = 0; i < 50; ++i) chain += "OR FROM a" + std::to_string(i) + " ";
  chain += "FROM z\r\n";
  EXPECT_TRUE(std::holds_alternative<Command>(run(chain, l)[0]));
}

TEST(Receiver, ArgumentCountLimit) {
  Limits l = small();  // 12 arguments
  EXPECT_TRUE(std::holds_alternative<Command>(run("A1 STORE 1 FLAGS (a b c d e)\r\n", l)[0]));
  auto events = run("A1 STORE 1 FLAGS (a b c d e f g h i j k)\r\nA2 NOOP\r\n", l);
  EXPECT_EQ(describe_all(events), (std::vector<std::string>{"Error[bad] A1 Too many arguments", "Command A2 NOOP"}));
}

TEST(Receiver, BadCommandBeforeSynchronizingLiteralGetsNoContinuation) {
  // FETCH cannot take a literal where the sequence set goes: refuse at once, no "+".
  auto events = run("A1 FETCH {5}\r\nA2 NOOP\r\n", Limits::after_login());
  EXPECT_EQ(describe_all(events), (std::vector<std::string>{"Error[bad] A1 Invalid sequence set", "Command A2 NOOP"}));
  auto unknown = run("A1 FROB {5}\r\nA2 NOOP\r\n", Limits::after_login());
  EXPECT_EQ(describe_all(unknown), (std::vector<std::string>{"Error[bad] A1 Unknown command", "Command A2 NOOP"}));
}

TEST(Receiver, BadCommandSkipsItsNonSynchronizingLiterals) {
  // The bytes of {5+} are sent anyway: they must not be read as a command.
  std::string wire = "A1 FROB {5+}\r\nA3 X\r {3+}\r\nabc\r\nA2 NOOP\r\n";
  auto events = run(wire, Limits::after_login());
  EXPECT_EQ(describe_all(events), (std::vector<std::string>{"Error[bad] A1 Unknown command", "Command A2 NOOP"}));
  expect_cut_independent(wire, Limits::after_login());
}

TEST(Receiver, TooLongLineEndingInNonSyncLiteralSkipsTheLiteral) {
  std::string wire = "A1 LOGIN " + std::string(60, 'u') + " {5+}\r\nA9 XX\r\nA2 NOOP\r\n";
  auto events = run(wire, small());
  EXPECT_EQ(describe_all(events), (std::vector<std::string>{"Error[bad] A1 Line too long", "Command A2 NOOP"}));
  expect_cut_independent(wire, small());
}

TEST(Receiver, RejectLiteral) {
  Receiver r(Limits::after_login());
  r.feed("A1 APPEND INBOX {1000}\r\n");
  ASSERT_TRUE(std::holds_alternative<NeedContinuation>(r.next()));
  r.reject_literal();  // e.g. over quota: the server answers "A1 NO [OVERQUOTA]"
  r.feed("A2 NOOP\r\n");
  Event e = r.next();
  ASSERT_TRUE(std::holds_alternative<Command>(e)) << describe(e);
  EXPECT_EQ(std::get<Command>(e).tag, "A2");
}

TEST(Receiver, MultiappendWithSeveralLiterals) {
  std::string wire =
      "A1 APPEND Drafts (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {5}\r\nhello (\\Draft) {3+}\r\nbye ~{2}\r\n";
  wire += '\0';
  wire += "x\r\n";
  auto events = run(wire, Limits::after_login());
  ASSERT_EQ(events.size(), 3u);
  auto& a = std::get<AppendArgs>(std::get<Command>(events[2]).args);
  EXPECT_EQ(a.mailbox, "Drafts");
  ASSERT_EQ(a.messages.size(), 3u);
  EXPECT_EQ(a.messages[0].data, "hello");
  EXPECT_EQ(a.messages[0].flags, (std::vector<std::string>{"\\Seen"}));
  EXPECT_EQ(a.messages[0].date, 760686745);
  EXPECT_EQ(a.messages[1].data, "bye");
  EXPECT_EQ(a.messages[1].flags, (std::vector<std::string>{"\\Draft"}));
  EXPECT_EQ(a.messages[2].data, std::string("\0x", 2));
  EXPECT_TRUE(a.messages[2].binary);
  expect_cut_independent(wire, Limits::after_login());
}

TEST(Receiver, BadSyntaxRecovery) {
  std::string wire =
      "A1 FETCH\r\n* NOOP\r\n+ NOOP\r\nA2 SELECT\r\nA3 LOGIN a\r\nA4 STORE 1 +FLAGS (\\Seen\r\n"
      "A5 UID NOOP\r\nA6 NOOP extra\r\nA7 NOOP\r\n";
  auto events = run(wire, Limits::after_login());
  auto d = describe_all(events);
  ASSERT_EQ(d.size(), 9u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(std::get<Error>(events[i]).kind, Error::Kind::bad) << d[i];
  EXPECT_EQ(std::get<Error>(events[1]).tag, "");  // "*" is not a tag
  EXPECT_EQ(std::get<Error>(events[2]).tag, "");
  EXPECT_EQ(d[8], "Command A7 NOOP");
  expect_cut_independent(wire, Limits::after_login());
}

TEST(Receiver, NextLineForIdleAndAuthenticate) {
  Receiver r(Limits::after_login());
  r.feed("A1 IDLE\r\nDONE\r\nA2 AUTHENTICATE PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\n*\r\nA3 NOOP\r\n");
  Event e = r.next();
  ASSERT_EQ(std::get<Command>(e).name, "IDLE");
  LineEvent l = r.next_line();
  EXPECT_EQ(std::get<Line>(l).text, "DONE");
  e = r.next();
  ASSERT_EQ(std::get<Command>(e).name, "AUTHENTICATE");
  EXPECT_EQ(std::get<Line>(r.next_line()).text, "AGFsaWNlAHNlY3JldA==");
  EXPECT_EQ(std::get<Line>(r.next_line()).text, "*");
  e = r.next();
  EXPECT_EQ(std::get<Command>(e).tag, "A3");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next_line()));
  // A partial line waits; a bare LF ends a line too.
  r.feed("DO");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next_line()));
  r.feed("NE\n");
  EXPECT_EQ(std::get<Line>(r.next_line()).text, "DONE");
}

TEST(Receiver, NextLineTooLong) {
  Limits l = small();
  Receiver r(l);
  r.feed(std::string(100, 'x'));
  LineEvent e = r.next_line();
  ASSERT_TRUE(std::holds_alternative<Error>(e));
  EXPECT_EQ(std::get<Error>(e).kind, Error::Kind::bad);
  r.feed("yyy\r\nDONE\r\n");
  EXPECT_EQ(std::get<Line>(r.next_line()).text, "DONE");
}

TEST(Receiver, TakeBufferedAfterStartTls) {
  Receiver r(Limits::before_login());
  r.feed("A1 STARTTLS\r\nA2 LOGIN injected x\r\n");
  EXPECT_EQ(std::get<Command>(r.next()).name, "STARTTLS");
  EXPECT_EQ(r.take_buffered(), "A2 LOGIN injected x\r\n");  // the server drops these
  EXPECT_EQ(r.buffered(), 0u);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
}

TEST(Receiver, SetLimitsAfterLogin) {
  Receiver r(Limits::before_login());
  r.feed("A1 APPEND INBOX {100000}\r\n");
  Event e = r.next();
  EXPECT_EQ(std::get<Error>(e).kind, Error::Kind::too_big);
  r.set_limits(Limits::after_login());
  r.feed("A2 APPEND INBOX {100000}\r\n");
  EXPECT_TRUE(std::holds_alternative<NeedContinuation>(r.next()));
}

TEST(Receiver, BadCharsetBeforeLiteral) {
  auto events = run("A1 SEARCH CHARSET KOI8-R SUBJECT {4}\r\nA2 NOOP\r\n", Limits::after_login());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<Error>(events[0]).kind, Error::Kind::bad_charset);
  EXPECT_TRUE(std::holds_alternative<Command>(events[1]));
}

TEST(Receiver, GarbageIsCutIndependent) {
  std::mt19937 rng(777);
  for (int round = 0; round < 50; ++round) {
    std::string wire;
    const char* pieces[] = {"A1 ", "LOGIN ", "{3}\r\n", "{2+}\r\n", "~{1}\r\n", "\"q\\\"\" ",
                            "(",   ")",      "\r\n",    "\n",       "FETCH 1 ", "BODY[1]",
                            "abc", " ",      "SEARCH ", "NOT ",     "x",        "{99999999999}\r\n"};
    for (int i = 0; i < 30; ++i) wire += pieces[rng() % (sizeof pieces / sizeof *pieces)];
    expect_cut_independent(wire, small());
  }
}

}  // namespace
}  // namespace sealmail::imap

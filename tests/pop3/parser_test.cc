// Parser: framing (CRLF and bare LF), pipelining, limits, recovery after errors, SASL
// continuation lines, STLS, and the rule that the answers do not depend on how bytes are cut.
#include "pop3/protocol/parser.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "test_support.h"

namespace sealmail::pop3 {
namespace {

using Verb = Command::Verb;
using Events = std::vector<Parser::Event>;

Parser::Event cmd(Command c) { return c; }
Parser::Event error(std::string text, bool fatal = false) { return ParseError{std::move(text), fatal}; }

// A session's worth of commands, valid and not, with both line endings.
const std::string kTranscript =
    "CAPA\r\n"
    "USER hello@example.com\r\n"
    "PASS correct horse \r\n"
    "STAT\n"
    "LIST\r\n"
    "LIST 2\r\n"
    "BOGUS\r\n"
    "UIDL 1\r\n"
    "RETR 0\r\n"
    "TOP 1 0\r\n"
    "\r\n"
    "RETR 1\r\n"
    "DELE 1\n"
    "AUTH PLAIN AGhlbGxvQGV4YW1wbGUuY29tAHNlY3JldA==\r\n"
    "NOOP\r\n"
    "RSET\r\n"
    "QUIT\r\n";

Events transcript_events() {
  Command pass{.verb = Verb::pass};
  pass.password = "correct horse ";
  Command auth{.verb = Verb::auth, .mechanism = "PLAIN"};
  auth.initial_response = "AGhlbGxvQGV4YW1wbGUuY29tAHNlY3JldA==";
  return {cmd({.verb = Verb::capa}),
          cmd({.verb = Verb::user, .user = "hello@example.com"}),
          cmd(pass),
          cmd({.verb = Verb::stat}),
          cmd({.verb = Verb::list}),
          cmd({.verb = Verb::list, .message = 2}),
          error("unknown command"),
          cmd({.verb = Verb::uidl, .message = 1}),
          error("no such message"),
          cmd({.verb = Verb::top, .message = 1, .lines = 0}),
          error("empty command"),
          cmd({.verb = Verb::retr, .message = 1}),
          cmd({.verb = Verb::dele, .message = 1}),
          cmd(auth),
          cmd({.verb = Verb::noop}),
          cmd({.verb = Verb::rset}),
          cmd({.verb = Verb::quit})};
}

TEST(Pop3Parser, PipelinedCommandsInOneFeed) {
  // RFC 2449 §6.6: a client may send many commands at once; they are answered in order.
  EXPECT_EQ(parse_all(kTranscript), transcript_events());
}

TEST(Pop3Parser, ByteAtATimeEqualsWholeFeeding) {
  Events whole = parse_all(kTranscript);
  for (size_t chunk = 1; chunk <= 8; ++chunk) {
    SCOPED_TRACE(chunk);
    EXPECT_EQ(parse_all(kTranscript, chunk), whole);
  }
}

TEST(Pop3Parser, RandomChunkingEqualsWholeFeeding) {
  unsigned seed = std::random_device{}();
  std::printf("Pop3Parser.RandomChunking seed %u\n", seed);
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  std::string wire = kTranscript + std::string(300, 'X') + "\r\nNOOP\r\n";  // ends in a fatal error
  Events whole = parse_all(wire);
  ASSERT_EQ(std::get<ParseError>(whole.back()), (ParseError{"line too long", true}));
  for (int round = 0; round < 200; ++round) {
    Parser parser;
    Events got;
    for (size_t pos = 0; pos < wire.size();) {
      size_t n = std::uniform_int_distribution<size_t>(1, 40)(rng);
      parser.feed(std::string_view(wire).substr(pos, n));
      pos += n;
      drain(parser, got);
      if (parser.failed()) break;
    }
    ASSERT_EQ(got, whole);
  }
}

TEST(Pop3Parser, NeedMoreUntilTheLineEnds) {
  Parser p;
  EXPECT_EQ(p.next(), Parser::Event(NeedMore{}));
  p.feed("RET");
  EXPECT_EQ(p.next(), Parser::Event(NeedMore{}));
  p.feed("R 1\r");
  EXPECT_EQ(p.next(), Parser::Event(NeedMore{}));  // CR alone does not end a line
  p.feed("\n");
  EXPECT_EQ(p.next(), cmd({.verb = Verb::retr, .message = 1}));
  EXPECT_EQ(p.next(), Parser::Event(NeedMore{}));
  EXPECT_EQ(p.buffered(), 0u);
}

TEST(Pop3Parser, CrBeforeCrlfIsPartOfTheLine) {
  // Only the CR right before the LF belongs to the line ending; "NOOP\r\r\n" holds a lone CR.
  EXPECT_EQ(parse_all("NOOP\r\r\nNOOP\r\n"),
            (Events{error("invalid character in command"), cmd({.verb = Verb::noop})}));
}

TEST(Pop3Parser, LineLimitIs255OctetsIncludingCrlf) {
  // RFC 2449 §4: 255 octets including CRLF.
  std::string fits = "USER " + std::string(248, 'a') + "\r\n";  // 5 + 248 + 2 = 255
  ASSERT_EQ(fits.size(), 255u);
  auto events = parse_all(fits + "NOOP\r\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<Command>(events[0]).user, std::string(248, 'a'));

  std::string bare_lf = "USER " + std::string(249, 'a') + "\n";  // 255 with a bare LF
  EXPECT_EQ(parse_all(bare_lf).size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Command>(parse_all(bare_lf)[0]));

  std::string over = "USER " + std::string(249, 'a') + "\r\n";  // 256
  EXPECT_EQ(parse_all(over + "NOOP\r\n"), (Events{error("line too long", true)}));
  for (size_t chunk : {1, 7, 255, 256})
    EXPECT_EQ(parse_all(over + "NOOP\r\n", chunk), (Events{error("line too long", true)}));
}

TEST(Pop3Parser, TooLongIsReportedWithoutWaitingForTheLineEnd) {
  // The server can answer and close at once instead of buffering an endless line.
  Parser p;
  p.feed(std::string(254, 'A'));
  EXPECT_EQ(p.next(), Parser::Event(NeedMore{}));
  p.feed("A");
  EXPECT_EQ(p.next(), error("line too long", true));
  EXPECT_TRUE(p.failed());
  EXPECT_EQ(p.buffered(), 0u);
  // Sticky: later input is dropped and the same error comes back.
  p.feed("NOOP\r\n");
  EXPECT_EQ(p.next(), error("line too long", true));
  EXPECT_EQ(p.next_line(), Parser::LineEvent(ParseError{"line too long", true}));
}

TEST(Pop3Parser, AuthLinesMayBeLonger) {
  // RFC 5034 §4: an initial response may make the AUTH line long; it has its own limit.
  std::string response(900, 'Q');
  std::string line = "AUTH PLAIN " + response + "\r\n";
  auto events = parse_all(line + "NOOP\r\n", 1);
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<Command>(events[0]));
  EXPECT_EQ(*std::get<Command>(events[0]).initial_response, response);
  EXPECT_EQ(events, parse_all(line + "NOOP\r\n"));

  std::string too_long = "auth PLAIN " + std::string(1012, 'Q') + "\r\n";  // 1025 octets
  EXPECT_EQ(parse_all(too_long), (Events{error("line too long", true)}));
  // The larger limit is only for AUTH.
  EXPECT_EQ(parse_all("USER " + response + "\r\n"), (Events{error("line too long", true)}));
  EXPECT_EQ(parse_all("AUTHX " + response + "\r\n"), (Events{error("line too long", true)}));
}

TEST(Pop3Parser, LimitsAreConfigurable) {
  Limits tight{.max_line = 32, .max_auth_line = 64};
  EXPECT_EQ(parse_all("USER " + std::string(25, 'u') + "\r\n", 0, tight).size(), 1u);  // 32
  EXPECT_EQ(parse_all("USER " + std::string(26, 'u') + "\r\n", 0, tight), (Events{error("line too long", true)}));
  EXPECT_TRUE(std::holds_alternative<Command>(parse_all("AUTH PLAIN " + std::string(51, 'Q') + "\r\n", 0, tight)[0]));
  // Below the floor of 16 the limit is raised (so "AUTH " is always seen before the limit).
  Parser p(Limits{.max_line = 1, .max_auth_line = 1});
  EXPECT_EQ(p.limits().max_line, 16u);
  EXPECT_EQ(p.limits().max_auth_line, 16u);
  p.feed("NOOP\r\n");
  EXPECT_EQ(p.next(), cmd({.verb = Verb::noop}));

  // Loosened from the next line on.
  Parser q(tight);
  q.set_limits({});
  q.feed("USER " + std::string(100, 'u') + "\r\n");
  EXPECT_TRUE(std::holds_alternative<Command>(q.next()));
}

TEST(Pop3Parser, RecoversAfterEveryRecoverableError) {
  std::string wire;
  Events expected;
  for (std::string bad : {"XYZZY", "RETR", "RETR x", "LIST 1 2", "STAT 1", "PASS", "\x01", "RETR 1\r1", "TOP 1"}) {
    wire += bad + "\r\nNOOP\r\n";
    auto alone = parse_command(bad);
    ASSERT_TRUE(std::holds_alternative<ParseError>(alone)) << bad;
    expected.push_back(std::get<ParseError>(alone));
    expected.push_back(cmd({.verb = Verb::noop}));
  }
  EXPECT_EQ(parse_all(wire), expected);
  EXPECT_EQ(parse_all(wire, 1), expected);
}

TEST(Pop3Parser, SaslContinuationLines) {
  // RFC 5034 §4: after "+ " the client's next line is its base64 response, or "*" to cancel.
  Parser p;
  p.feed("AUTH PLAIN\r\nAGEAYg==\r\nAUTH PLAIN\r\n*\r\nNOOP\r\n");
  EXPECT_EQ(p.next(), cmd({.verb = Verb::auth, .mechanism = "PLAIN"}));
  auto line = p.next_line();
  ASSERT_TRUE(std::holds_alternative<ContinuationLine>(line));
  EXPECT_EQ(std::get<ContinuationLine>(line).text, "AGEAYg==");
  EXPECT_FALSE(std::get<ContinuationLine>(line).cancelled());
  EXPECT_EQ(p.next(), cmd({.verb = Verb::auth, .mechanism = "PLAIN"}));
  line = p.next_line();
  ASSERT_TRUE(std::holds_alternative<ContinuationLine>(line));
  EXPECT_TRUE(std::get<ContinuationLine>(line).cancelled());
  EXPECT_EQ(p.next(), cmd({.verb = Verb::noop}));
  EXPECT_EQ(p.next_line(), Parser::LineEvent(NeedMore{}));

  // An empty line is an empty response; bare LF works too; the line is not a command.
  Parser q;
  q.feed("\nRETR 1\n");
  EXPECT_EQ(q.next_line(), Parser::LineEvent(ContinuationLine{""}));
  EXPECT_EQ(q.next_line(), Parser::LineEvent(ContinuationLine{"RETR 1"}));

  // Continuation lines get the AUTH limit, byte by byte as well.
  Parser r;
  std::string big(1000, 'Q');
  for (char c : big + "\r\n") {
    EXPECT_EQ(r.next_line(), Parser::LineEvent(NeedMore{}));
    r.feed(std::string_view(&c, 1));
  }
  EXPECT_EQ(r.next_line(), Parser::LineEvent(ContinuationLine{big}));
  r.feed(std::string(1024, 'Q'));
  EXPECT_EQ(r.next_line(), Parser::LineEvent(ParseError{"line too long", true}));
}

TEST(Pop3Parser, StlsDiscardsPlaintextBehindIt) {
  // RFC 2595 §4, CVE-2011-0411: "STLS\r\nUSER x\r\n" in one packet must not run USER under TLS.
  Parser p;
  p.feed("STLS\r\nUSER injected\r\n");
  EXPECT_EQ(p.next(), cmd({.verb = Verb::stls}));
  EXPECT_EQ(p.buffered(), 15u);
  p.discard_buffered();
  EXPECT_EQ(p.buffered(), 0u);
  EXPECT_EQ(p.next(), Parser::Event(NeedMore{}));
  p.feed("NOOP\r\n");
  EXPECT_EQ(p.next(), cmd({.verb = Verb::noop}));
}

TEST(Pop3Parser, MovedParserKeepsItsState) {
  Parser p;
  p.feed("NOOP\r\nQUI");
  EXPECT_EQ(p.next(), cmd({.verb = Verb::noop}));
  Parser q(std::move(p));
  q.feed("T\r\n");
  EXPECT_EQ(q.next(), cmd({.verb = Verb::quit}));
  Parser r;
  r = std::move(q);
  EXPECT_EQ(r.next(), Parser::Event(NeedMore{}));
}

}  // namespace
}  // namespace sealmail::pop3

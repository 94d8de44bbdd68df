// parse_command(): wire text -> value for every POP3 command, and bad input -> a clear,
// recoverable error. Each row names the RFC rule it checks.
#include "pop3/protocol/command.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.h"

namespace sealmail::pop3 {
namespace {

using Verb = Command::Verb;

struct Row {
  std::string wire;  // one line, without its CRLF
  Command expected;
};

Command with_password(std::string password) {
  Command c{.verb = Verb::pass};
  c.password = std::move(password);
  return c;
}

Command auth(std::string mechanism, std::optional<std::string> initial = std::nullopt) {
  Command c{.verb = Verb::auth};
  c.mechanism = std::move(mechanism);
  c.initial_response = std::move(initial);
  return c;
}

TEST(Pop3Command, WireToValue) {
  const std::vector<Row> rows = {
      // RFC 1939 §4-§6: commands without arguments; keywords are case-insensitive (§3).
      {"QUIT", {.verb = Verb::quit}},
      {"quit", {.verb = Verb::quit}},
      {"QuIt", {.verb = Verb::quit}},
      {"STAT", {.verb = Verb::stat}},
      {"NOOP", {.verb = Verb::noop}},
      {"RSET", {.verb = Verb::rset}},
      {"CAPA", {.verb = Verb::capa}},  // RFC 2449 §5
      {"STLS", {.verb = Verb::stls}},  // RFC 2595 §4
      {"UTF8", {.verb = Verb::utf8}},  // RFC 6856 §2
      {"utf8", {.verb = Verb::utf8}},
      {"STAT ", {.verb = Verb::stat}},  // trailing spaces are ignored
      {"NOOP \t ", {.verb = Verb::noop}},
      // RFC 1939 §5 LIST [msg], §7 UIDL [msg].
      {"LIST", {.verb = Verb::list}},
      {"LIST 1", {.verb = Verb::list, .message = 1}},
      {"list 42", {.verb = Verb::list, .message = 42}},
      {"LIST 2147483648", {.verb = Verb::list, .message = 2147483648u}},  // 2^31, the largest
      {"LIST 007", {.verb = Verb::list, .message = 7}},
      {"LIST 3 ", {.verb = Verb::list, .message = 3}},
      {"UIDL", {.verb = Verb::uidl}},
      {"UIDL 9", {.verb = Verb::uidl, .message = 9}},
      // RFC 1939 §5 RETR msg, DELE msg.
      {"RETR 1", {.verb = Verb::retr, .message = 1}},
      {"retr 12345", {.verb = Verb::retr, .message = 12345}},
      {"DELE 2", {.verb = Verb::dele, .message = 2}},
      // RFC 1939 §7 TOP msg n; n may be 0; huge n is clamped (it means the whole body anyway).
      {"TOP 1 0", {.verb = Verb::top, .message = 1, .lines = 0}},
      {"TOP 3 10", {.verb = Verb::top, .message = 3, .lines = 10}},
      {"top 3 99999999999999999999", {.verb = Verb::top, .message = 3, .lines = kMaxMessageNumber}},
      // RFC 1939 §7 USER name.
      {"USER hello@example.com", {.verb = Verb::user, .user = "hello@example.com"}},
      {"user Hello@Example.COM", {.verb = Verb::user, .user = "Hello@Example.COM"}},
      {"USER hello@example.com  ", {.verb = Verb::user, .user = "hello@example.com"}},
      {"USER j\xC3\xB6rg@example.com", {.verb = Verb::user, .user = "j\xC3\xB6rg@example.com"}},  // RFC 6856
      // RFC 1939 §7 PASS string: the rest of the line, spaces included, never trimmed.
      {"PASS secret", with_password("secret")},
      {"pass two words", with_password("two words")},
      {"PASS  leading space", with_password(" leading space")},
      {"PASS trailing ", with_password("trailing ")},
      {"PASS p\xC3\xA4ss", with_password("p\xC3\xA4ss")},
      // RFC 1939 §7 APOP name digest; the digest is lowercased.
      {"APOP mrose c4c9334bac560ecc979e58001b3e22fb",
       {.verb = Verb::apop, .user = "mrose", .digest = "c4c9334bac560ecc979e58001b3e22fb"}},
      {"APOP mrose C4C9334BAC560ECC979E58001B3E22FB",
       {.verb = Verb::apop, .user = "mrose", .digest = "c4c9334bac560ecc979e58001b3e22fb"}},
      // RFC 5034 §4 AUTH mechanism [initial-response]; "=" is a zero-length initial response.
      {"AUTH", auth("")},
      {"AUTH PLAIN", auth("PLAIN")},
      {"auth plain", auth("PLAIN")},
      {"AUTH PLAIN AGhlbGxvAHNlY3JldA==", auth("PLAIN", "AGhlbGxvAHNlY3JldA==")},
      {"AUTH PLAIN =", auth("PLAIN", "")},
      {"AUTH X-OAUTH2_v1", auth("X-OAUTH2_V1")},
      {"AUTH SCRAM-SHA-256", auth("SCRAM-SHA-256")},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.wire);
    auto got = parse_command(row.wire);
    ASSERT_TRUE(std::holds_alternative<Command>(got)) << testing::PrintToString(std::get<ParseError>(got));
    EXPECT_EQ(std::get<Command>(got), row.expected) << testing::PrintToString(std::get<Command>(got));
  }
}

struct ErrorRow {
  std::string wire;
  std::string text;
};

TEST(Pop3Command, BadInputGivesAClearRecoverableError) {
  const std::vector<ErrorRow> rows = {
      {"", "empty command"},
      {"   ", "empty command"},
      {"HELO", "unknown command"},
      {"LANG", "unknown command"},  // RFC 6856 LANG: not offered
      {"RETRX 1", "unknown command"},
      {"RET 1", "unknown command"},
      {" RETR 1", "unknown command"},  // a leading space is not a keyword
      {"R\xC3\xA9TR 1", "unknown command"},
      // Control characters anywhere: a lone CR inside a line, NUL, tab between arguments.
      {"RETR 1\r2", "invalid character in command"},
      {"RETR\t1", "invalid character in command"},
      {std::string("NOOP\0", 5), "invalid character in command"},
      {"USER a\x7F", "invalid character in command"},
      {std::string("PASS a\0b", 8), "invalid character in command"},
      // Commands without arguments.
      {"QUIT now", "QUIT takes no arguments"},
      {"STAT 1", "STAT takes no arguments"},
      {"CAPA x", "CAPA takes no arguments"},
      {"STLS x", "STLS takes no arguments"},
      {"UTF8 on", "UTF8 takes no arguments"},
      // Message numbers: digits only, 1 .. 2^31, no signs, no inner spaces.
      {"RETR", "RETR needs one message number"},
      {"RETR 1 2", "RETR needs one message number"},
      {"RETR -1", "invalid message number"},
      {"RETR +1", "invalid message number"},
      {"RETR 1a", "invalid message number"},
      {"RETR 0x10", "invalid message number"},
      {"RETR one", "invalid message number"},
      {"RETR 0", "no such message"},
      {"RETR 2147483649", "no such message"},
      {"RETR 99999999999999999999999", "no such message"},
      {"RETR  1", "arguments must be separated by a single space"},
      {"DELE", "DELE needs one message number"},
      {"LIST 1 2", "LIST takes at most one argument"},
      {"LIST x", "invalid message number"},
      {"UIDL -", "invalid message number"},
      {"TOP 1", "TOP needs a message number and a line count"},
      {"TOP 1 2 3", "TOP needs a message number and a line count"},
      {"TOP 1 -1", "invalid line count"},
      {"TOP 0 1", "no such message"},
      {"TOP 1  2", "arguments must be separated by a single space"},
      // USER, PASS, APOP.
      {"USER", "USER needs a user name"},
      {"USER a b", "USER takes one argument"},
      {"USER \xFF", "user name is not valid UTF-8"},
      {"USER \xC0\xAF", "user name is not valid UTF-8"},  // overlong "/"
      {"PASS", "PASS needs a password"},
      {"PASS ", "PASS needs a password"},
      {"PASS \xE2\x82", "password is not valid UTF-8"},
      {"APOP mrose", "APOP needs a user name and a digest"},
      {"APOP mrose c4c9", "APOP digest must be 32 hex digits"},
      {"APOP mrose c4c9334bac560ecc979e58001b3e22fg", "APOP digest must be 32 hex digits"},
      // AUTH.
      {"AUTH PL@IN", "invalid SASL mechanism name"},
      {"AUTH ABCDEFGHIJKLMNOPQRSTU", "invalid SASL mechanism name"},  // 21 characters
      {"AUTH PLAIN a b", "AUTH takes a mechanism and at most an initial response"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(testing::PrintToString(row.wire));
    auto got = parse_command(row.wire);
    ASSERT_TRUE(std::holds_alternative<ParseError>(got)) << testing::PrintToString(std::get<Command>(got));
    EXPECT_EQ(std::get<ParseError>(got), (ParseError{row.text, false}));
  }
}

TEST(Pop3Command, ErrorsNeverQuoteTheLine) {
  for (std::string wire : {"PASS \xFFsecret", "XPASS secret", "USER secret secret", "PASS se\rcret"}) {
    auto got = parse_command(wire);
    ASSERT_TRUE(std::holds_alternative<ParseError>(got));
    EXPECT_EQ(std::get<ParseError>(got).text.find("secret"), std::string::npos) << std::get<ParseError>(got).text;
  }
}

TEST(Pop3Command, SecretsLiveOnTheHeapAndAreWiped) {
  auto got = parse_command("PASS pw");
  ASSERT_TRUE(std::holds_alternative<Command>(got));
  Command c = std::get<Command>(std::move(got));
  // Heap storage, so moving the Command does not leave a copy in the moved-from object.
  EXPECT_GT(c.password.capacity(), std::string().capacity());
  c.wipe_secrets();
  EXPECT_TRUE(c.password.empty());

  got = parse_command("AUTH PLAIN AGEAYg==");
  ASSERT_TRUE(std::holds_alternative<Command>(got));
  c = std::get<Command>(std::move(got));
  ASSERT_TRUE(c.initial_response);
  EXPECT_GT(c.initial_response->capacity(), std::string().capacity());
  c.wipe_secrets();
  EXPECT_FALSE(c.initial_response);
}

TEST(Pop3Command, VerbNames) {
  EXPECT_EQ(to_string(Verb::user), "USER");
  EXPECT_EQ(to_string(Verb::top), "TOP");
  EXPECT_EQ(to_string(Verb::utf8), "UTF8");
  // Every verb round-trips through its keyword (the table and the enum agree).
  for (int v = 0; v <= static_cast<int>(Verb::utf8); ++v) {
    auto verb = static_cast<Verb>(v);
    if (verb == Verb::pass) continue;  // needs an argument
    std::string wire(to_string(verb));
    if (verb == Verb::user) wire += " u";
    if (verb == Verb::apop) wire += " u 00000000000000000000000000000000";
    if (verb == Verb::retr || verb == Verb::dele) wire += " 1";
    if (verb == Verb::top) wire += " 1 1";
    auto got = parse_command(wire);
    ASSERT_TRUE(std::holds_alternative<Command>(got)) << wire;
    EXPECT_EQ(std::get<Command>(got).verb, verb) << wire;
  }
}

}  // namespace
}  // namespace sealmail::pop3

// parse_command(): wire text -> value for every verb (RFC 5321 §4.1.1, RFC 3030, RFC 3207,
// RFC 4954), and wire text -> reply code for every kind of bad line. MAIL/RCPT parameters have
// their own tables in protocol_params_test.cc, addresses in protocol_address_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "protocol_test_support.h"
#include "smtp/protocol/command.h"

namespace sealmail::smtp {
namespace {

struct Good {
  std::string_view line;
  Command expected;
  bool utf8 = false;
};

class CommandTable : public ::testing::TestWithParam<Good> {};

TEST_P(CommandTable, Parses) {
  const Good& row = GetParam();
  auto got = parse_command(row.line, row.utf8);
  ASSERT_TRUE(std::holds_alternative<Command>(got))
      << "line: " << row.line << "\ngot: " << ::testing::PrintToString(got);
  EXPECT_EQ(std::get<Command>(got), row.expected) << "line: " << row.line;
}

// clang-format off
const Good kGood[] = {
    // RFC 5321 §4.1.1.1 HELO/EHLO: domain or address literal, verbs case-insensitive (§2.4).
    {"EHLO mx.example.org", {.verb = Verb::ehlo, .domain = "mx.example.org"}},
    {"ehlo mx.example.org", {.verb = Verb::ehlo, .domain = "mx.example.org"}},
    {"EhLo Mx.Example.Org", {.verb = Verb::ehlo, .domain = "Mx.Example.Org"}},
    {"HELO mx.example.org", {.verb = Verb::helo, .domain = "mx.example.org"}},
    {"EHLO localhost", {.verb = Verb::ehlo, .domain = "localhost"}},
    {"EHLO [192.0.2.1]", {.verb = Verb::ehlo, .domain = "[192.0.2.1]"}},
    {"EHLO [IPv6:2001:db8::1]", {.verb = Verb::ehlo, .domain = "[IPv6:2001:db8::1]"}},
    {"EHLO 192.0.2.1", {.verb = Verb::ehlo, .domain = "192.0.2.1"}},
    {"EHLO DESKTOP_7F3K.lan", {.verb = Verb::ehlo, .domain = "DESKTOP_7F3K.lan"}},  // tolerated
    {"EHLO mx.example.org  ", {.verb = Verb::ehlo, .domain = "mx.example.org"}},   // trailing spaces
    {"EHLO mx.example.org\t", {.verb = Verb::ehlo, .domain = "mx.example.org"}},
    {"EHLO  mx.example.org", {.verb = Verb::ehlo, .domain = "mx.example.org"}},    // two spaces
    // §4.1.1.2 MAIL
    {"MAIL FROM:<alice@example.org>", {.verb = Verb::mail, .address = "alice@example.org"}},
    {"mail from:<alice@example.org>", {.verb = Verb::mail, .address = "alice@example.org"}},
    {"MAIL FROM: <alice@example.org>", {.verb = Verb::mail, .address = "alice@example.org"}},  // as Postfix
    {"MAIL FROM:<>", {.verb = Verb::mail, .address = ""}},                                    // bounce
    {"MAIL FROM: <>", {.verb = Verb::mail, .address = ""}},
    {"MAIL FROM:<@relay.example,@b.example:alice@example.org>", {.verb = Verb::mail, .address = "alice@example.org"}},
    {"MAIL FROM:<\"john doe\"@example.org>", {.verb = Verb::mail, .address = "\"john doe\"@example.org"}},
    {"MAIL FROM:<\"a>b\"@example.org>", {.verb = Verb::mail, .address = "\"a>b\"@example.org"}},
    {"MAIL FROM:<alice@[192.0.2.1]>", {.verb = Verb::mail, .address = "alice@[192.0.2.1]"}},
    {"MAIL FROM:<alice@example.org> SIZE=1000", {.verb = Verb::mail, .address = "alice@example.org", .mail = {.size = 1000}}},
    {"MAIL FROM:<alice@example.org>  SIZE=1000  ", {.verb = Verb::mail, .address = "alice@example.org", .mail = {.size = 1000}}},
    {"MAIL FROM:<alice@example.org> BODY=8BITMIME SMTPUTF8",
     {.verb = Verb::mail, .address = "alice@example.org", .mail = {.body = BodyType::eight_bit_mime, .smtputf8 = true}}},
    {"MAIL FROM:<ålice@exämple.org> SMTPUTF8",  // SMTPUTF8 on the line allows UTF-8 in its path (RFC 6531 §3.4)
     {.verb = Verb::mail, .address = "ålice@exämple.org", .mail = {.smtputf8 = true}}},
    {"MAIL FROM:<ålice@example.org>", {.verb = Verb::mail, .address = "ålice@example.org"}, true},
    {"MAIL FROM:<> RET=HDRS ENVID=QQ314159", {.verb = Verb::mail, .address = "", .mail = {.ret = "HDRS", .envid = "QQ314159"}}},
    // §4.1.1.3 RCPT
    {"RCPT TO:<bob@example.org>", {.verb = Verb::rcpt, .address = "bob@example.org"}},
    {"rcpt to:<bob@example.org>", {.verb = Verb::rcpt, .address = "bob@example.org"}},
    {"RCPT TO: <bob@example.org>", {.verb = Verb::rcpt, .address = "bob@example.org"}},
    {"RCPT TO:<Postmaster>", {.verb = Verb::rcpt, .address = "Postmaster"}},
    {"RCPT TO:<postmaster>", {.verb = Verb::rcpt, .address = "postmaster"}},
    {"RCPT TO:<POSTMASTER>", {.verb = Verb::rcpt, .address = "POSTMASTER"}},
    {"RCPT TO:<Postmaster@example.org>", {.verb = Verb::rcpt, .address = "Postmaster@example.org"}},
    {"RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>", {.verb = Verb::rcpt, .address = "userc@d.bar.org"}},  // §3.6.1
    {"RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org",
     {.verb = Verb::rcpt, .address = "bob@example.org", .rcpt = {.notify = "SUCCESS,FAILURE", .orcpt = "rfc822;bob@example.org"}}},
    {"RCPT TO:<bøb@example.org>", {.verb = Verb::rcpt, .address = "bøb@example.org"}, true},
    // §4.1.1.4 DATA, §4.1.1.5 RSET, §4.1.1.9 NOOP, §4.1.1.10 QUIT
    {"DATA", {.verb = Verb::data}},
    {"data", {.verb = Verb::data}},
    {"DATA ", {.verb = Verb::data}},
    {"RSET", {.verb = Verb::rset}},
    {"NOOP", {.verb = Verb::noop}},
    {"NOOP anything at all", {.verb = Verb::noop}},  // the parameter is ignored
    {"QUIT", {.verb = Verb::quit}},
    // §4.1.1.6-8 VRFY, EXPN, HELP: the rest of the line
    {"VRFY alice", {.verb = Verb::vrfy, .argument = "alice"}},
    {"VRFY <alice@example.org>", {.verb = Verb::vrfy, .argument = "<alice@example.org>"}},
    {"EXPN staff list", {.verb = Verb::expn, .argument = "staff list"}},
    {"HELP", {.verb = Verb::help}},
    {"HELP MAIL", {.verb = Verb::help, .argument = "MAIL"}},
    // RFC 3030 §2 BDAT
    {"BDAT 1000", {.verb = Verb::bdat, .chunk_size = 1000}},
    {"BDAT 1000 LAST", {.verb = Verb::bdat, .chunk_size = 1000, .last_chunk = true}},
    {"bdat 0 last", {.verb = Verb::bdat, .chunk_size = 0, .last_chunk = true}},
    {"BDAT 0", {.verb = Verb::bdat, .chunk_size = 0}},
    {"BDAT 18446744073709551615", {.verb = Verb::bdat, .chunk_size = 18446744073709551615ULL}},
    // RFC 3207 §4 STARTTLS
    {"STARTTLS", {.verb = Verb::starttls}},
    {"starttls", {.verb = Verb::starttls}},
    // RFC 4954 §4 AUTH
    {"AUTH PLAIN", {.verb = Verb::auth, .argument = "PLAIN"}},
    {"AUTH PLAIN AGFsaWNlAHNlY3JldA==", {.verb = Verb::auth, .argument = "PLAIN AGFsaWNlAHNlY3JldA=="}},
    {"AUTH PLAIN =", {.verb = Verb::auth, .argument = "PLAIN ="}},
    {"auth login", {.verb = Verb::auth, .argument = "login"}},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Rfc5321, CommandTable, ::testing::ValuesIn(kGood));

struct Bad {
  std::string line;
  int code;
  std::string_view enhanced;
  bool utf8 = false;
};

class ErrorTable : public ::testing::TestWithParam<Bad> {};

TEST_P(ErrorTable, Refuses) {
  const Bad& row = GetParam();
  auto got = parse_command(row.line, row.utf8);
  ASSERT_TRUE(std::holds_alternative<ParseError>(got))
      << "line: " << row.line << "\ngot: " << ::testing::PrintToString(got);
  const auto& e = std::get<ParseError>(got);
  EXPECT_EQ(e.code, row.code) << "line: " << row.line;
  EXPECT_EQ(e.enhanced, row.enhanced) << "line: " << row.line;
  EXPECT_FALSE(e.text.empty());
}

// clang-format off
const Bad kBad[] = {
    // Unknown verbs (RFC 5321 §4.2.4: 500), including old or other-protocol ones.
    {"", 500, "5.5.2"},
    {"   ", 500, "5.5.2"},
    {"FOO", 500, "5.5.2"},
    {"MAILFROM:<a@b.c>", 500, "5.5.2"},
    {" MAIL FROM:<a@b.c>", 500, "5.5.2"},
    {"SEND FROM:<a@b.c>", 500, "5.5.2"},
    {"TURN", 500, "5.5.2"},
    {"GET / HTTP/1.1", 500, "5.5.2"},
    {"\x16\x03\x01", 500, "5.5.2"},
    {"EHL", 500, "5.5.2"},
    {"EHLOO x", 500, "5.5.2"},
    // Control characters anywhere: 501 5.5.2.
    {"MAIL FROM:<a@b.c>\r", 501, "5.5.2"},
    {"MAIL FROM:<a@b.c>\rRCPT TO:<x@y.z>", 501, "5.5.2"},
    {std::string("NOOP \0x", 7), 501, "5.5.2"},
    {"HELP \x7f", 501, "5.5.2"},
    {"EHLO\tmx.example.org", 500, "5.5.2"},
    {"EHLO mx\texample.org", 501, "5.5.2"},
    // HELO/EHLO
    {"EHLO", 501, "5.5.4"},
    {"HELO", 501, "5.5.4"},
    {"EHLO a.example b.example", 501, "5.5.4"},
    {"EHLO -bad.example", 501, "5.5.2"},
    {"EHLO bad-.example", 501, "5.5.2"},
    {"EHLO a..example", 501, "5.5.2"},
    {"EHLO example.org.", 501, "5.5.2"},
    {"EHLO [300.0.0.1]", 501, "5.5.2"},
    {"EHLO [IPv6:1::2::3]", 501, "5.5.2"},
    {"EHLO [x-tag:whatever]", 501, "5.5.2"},
    {"EHLO exämple.org", 501, "5.5.2"},
    {"EHLO a@b", 501, "5.5.2"},
    // MAIL shape: 501 5.5.4
    {"MAIL", 501, "5.5.4"},
    {"MAIL FROM", 501, "5.5.4"},
    {"MAIL FROM:", 501, "5.5.4"},
    {"MAIL FROM:alice@example.org", 501, "5.5.4"},
    {"MAIL FROM:<alice@example.org", 501, "5.5.4"},
    {"MAIL FROM:  <alice@example.org>", 501, "5.5.4"},  // one space tolerated, not two
    {"MAIL TO:<alice@example.org>", 501, "5.5.4"},
    {"MAIL FROM <alice@example.org>", 501, "5.5.4"},
    {"MAIL FROM:<alice@example.org>SIZE=10", 501, "5.5.4"},
    {"MAIL FROM:<a>b@example.org>", 501, "5.5.4"},
    // MAIL address: 553 5.1.7 (RFC 3463 "bad sender's mailbox address syntax")
    {"MAIL FROM:<alice>", 553, "5.1.7"},
    {"MAIL FROM:<alice@>", 553, "5.1.7"},
    {"MAIL FROM:<@example.org>", 553, "5.1.7"},
    {"MAIL FROM:<alice@@example.org>", 553, "5.1.7"},
    {"MAIL FROM:<al ice@example.org>", 553, "5.1.7"},
    {"MAIL FROM:<.alice@example.org>", 553, "5.1.7"},
    {"MAIL FROM:<alice.@example.org>", 553, "5.1.7"},
    {"MAIL FROM:<al..ice@example.org>", 553, "5.1.7"},
    {"MAIL FROM:<alice@example..org>", 553, "5.1.7"},
    {"MAIL FROM:<alice@-example.org>", 553, "5.1.7"},
    {"MAIL FROM:<alice@example_host.org>", 553, "5.1.7"},  // underscores only in EHLO
    {"MAIL FROM:<alice@[1.2.3]>", 553, "5.1.7"},
    {"MAIL FROM:<Postmaster>", 553, "5.1.7"},  // RFC 5321 §4.1.1.3: RCPT only
    {"MAIL FROM:<@relay.example:>", 553, "5.1.7"},
    {"MAIL FROM:<@relay.example alice@example.org>", 553, "5.1.7"},
    {"MAIL FROM:<\"unterminated@example.org>", 501, "5.5.4"},
    {"MAIL FROM:<\"a\"b@example.org>", 553, "5.1.7"},
    // MAIL lengths (RFC 5321 §4.5.3.1): local part 64, path 256.
    {"MAIL FROM:<" + std::string(65, 'a') + "@example.org>", 553, "5.1.7"},
    {"MAIL FROM:<" + std::string(60, 'a') + "@" + std::string(63, 'x') + "." + std::string(63, 'y') + "." + std::string(63, 'z') + ".org>", 501, "5.1.7"},
    // UTF-8 without SMTPUTF8 (RFC 6531 §3.5: 553 5.6.7); invalid UTF-8 with it.
    {"MAIL FROM:<ålice@example.org>", 553, "5.6.7"},
    {"MAIL FROM:<alice@exämple.org>", 553, "5.6.7"},
    {"MAIL FROM:<\xc3\x28@example.org> SMTPUTF8", 553, "5.1.7"},
    {"MAIL FROM:<\xed\xa0\x80@example.org> SMTPUTF8", 553, "5.1.7"},  // a surrogate
    // RCPT
    {"RCPT", 501, "5.5.4"},
    {"RCPT TO", 501, "5.5.4"},
    {"RCPT TO:bob@example.org", 501, "5.5.4"},
    {"RCPT FROM:<bob@example.org>", 501, "5.5.4"},
    {"RCPT TO:<>", 553, "5.1.3"},
    {"RCPT TO:<bob>", 553, "5.1.3"},
    {"RCPT TO:<postmaster@>", 553, "5.1.3"},
    {"RCPT TO:<bob@example.org.>", 553, "5.1.3"},
    {"RCPT TO:<bøb@example.org>", 553, "5.6.7"},
    {"RCPT TO:<bob@example.org> SMTPUTF8", 555, "5.5.4"},  // a MAIL parameter only
    {"RCPT TO:<" + std::string(65, 'b') + "@example.org>", 553, "5.1.3"},
    // Verbs without parameters (RFC 5321 §4.1.1.4-5, §4.1.1.10, RFC 3207 §4)
    {"DATA now", 501, "5.5.4"},
    {"RSET x", 501, "5.5.4"},
    {"QUIT bye", 501, "5.5.4"},
    {"STARTTLS x", 501, "5.5.4"},
    // VRFY/EXPN need a string
    {"VRFY", 501, "5.5.4"},
    {"EXPN", 501, "5.5.4"},
    {"VRFY \xff\xfe", 501, "5.5.2"},
    // BDAT (RFC 3030 §2)
    {"BDAT", 501, "5.5.4"},
    {"BDAT LAST", 501, "5.5.4"},
    {"BDAT -1", 501, "5.5.4"},
    {"BDAT 1e3", 501, "5.5.4"},
    {"BDAT 100 LAS", 501, "5.5.4"},
    {"BDAT 100 LAST LAST", 501, "5.5.4"},
    {"BDAT 18446744073709551616", 501, "5.5.4"},  // 2^64
    {"BDAT 000000000000000000001", 501, "5.5.4"},  // 21 digits
    // AUTH (RFC 4954 §4, RFC 4422 §3.1)
    {"AUTH", 501, "5.5.4"},
    {"AUTH PLAIN!", 501, "5.5.4"},
    {"AUTH ABCDEFGHIJKLMNOPQRSTU", 501, "5.5.4"},  // 21 characters
    {"AUTH PLAIN \xc3\xa9", 501, "5.5.4"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Rfc5321, ErrorTable, ::testing::ValuesIn(kBad));

TEST(Command, VerbNamesRoundTrip) {
  for (auto v : {Verb::helo, Verb::ehlo, Verb::mail, Verb::rcpt, Verb::data, Verb::bdat, Verb::rset, Verb::noop,
                 Verb::quit, Verb::vrfy, Verb::expn, Verb::help, Verb::starttls, Verb::auth}) {
    std::string name(to_string(v));
    std::string line = name;
    switch (v) {
      case Verb::helo:
      case Verb::ehlo:
        line += " x.example";
        break;
      case Verb::mail:
        line += " FROM:<>";
        break;
      case Verb::rcpt:
        line += " TO:<a@b.example>";
        break;
      case Verb::bdat:
        line += " 1";
        break;
      case Verb::vrfy:
      case Verb::expn:
      case Verb::auth:
        line += " x";
        break;
      default:
        break;
    }
    auto got = parse_command(line);
    ASSERT_TRUE(std::holds_alternative<Command>(got)) << line;
    EXPECT_EQ(std::get<Command>(got).verb, v);
  }
}

// Errors never quote the client's line: it may hold an address or a password.
TEST(Command, ErrorsDoNotEchoTheLine) {
  for (std::string_view line :
       {"MAIL FROM:<secret-sender@example.org> FOO=secretvalue", "RCPT TO:<secret@>", "AUTH PLAIN! c2VjcmV0",
        "XSECRET secret", "MAIL FROM:<secret@example.org> SIZE=secret"}) {
    auto got = parse_command(line);
    ASSERT_TRUE(std::holds_alternative<ParseError>(got)) << line;
    EXPECT_EQ(std::get<ParseError>(got).text.find("secret"), std::string::npos) << line;
  }
}

// The AUTH argument is on the heap (so a move does not leave a copy) and wipe_secrets() clears it.
TEST(Command, AuthArgumentIsWiped) {
  auto got = parse_command("AUTH PLAIN AGE=");
  ASSERT_TRUE(std::holds_alternative<Command>(got));
  auto& c = std::get<Command>(got);
  EXPECT_GE(c.argument.capacity(), 64u);
  c.wipe_secrets();
  EXPECT_TRUE(c.argument.empty());
}

}  // namespace
}  // namespace sealmail::smtp

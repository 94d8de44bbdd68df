// MAIL and RCPT parameters through parse_command(): SIZE (RFC 1870), BODY (RFC 6152, RFC 3030),
// SMTPUTF8 (RFC 6531), RET/ENVID/NOTIFY/ORCPT (RFC 3461), AUTH= (RFC 4954 §5). Wire text -> value,
// and wire text -> reply code (555 unknown, 501 malformed or repeated).
#include <gtest/gtest.h>

#include <string>

#include "protocol_test_support.h"
#include "smtp/protocol/command.h"
#include "smtp/protocol/params.h"

namespace sealmail::smtp {
namespace {

MailParams mail_params(const std::string& params) {
  auto got = parse_command("MAIL FROM:<a@example.org> " + params);
  EXPECT_TRUE(std::holds_alternative<Command>(got)) << params << ": " << ::testing::PrintToString(got);
  if (!std::holds_alternative<Command>(got)) return {};
  return std::get<Command>(got).mail;
}

RcptParams rcpt_params(const std::string& params, bool utf8 = false) {
  auto got = parse_command("RCPT TO:<b@example.org> " + params, utf8);
  EXPECT_TRUE(std::holds_alternative<Command>(got)) << params << ": " << ::testing::PrintToString(got);
  if (!std::holds_alternative<Command>(got)) return {};
  return std::get<Command>(got).rcpt;
}

struct MailRow {
  std::string params;
  MailParams expected;
};

TEST(Params, MailValues) {
  // clang-format off
  const MailRow rows[] = {
      {"", {}},
      {"SIZE=0", {.size = 0}},
      {"SIZE=1048576", {.size = 1048576}},
      {"size=12", {.size = 12}},
      {"SIZE=00000000000000000012", {.size = 12}},                      // 20 digits
      {"SIZE=18446744073709551615", {.size = 18446744073709551615ULL}},
      {"SIZE=99999999999999999999", {.size = 18446744073709551615ULL}},  // saturated
      {"BODY=7BIT", {.body = BodyType::seven_bit}},
      {"BODY=8BITMIME", {.body = BodyType::eight_bit_mime}},
      {"body=8bitmime", {.body = BodyType::eight_bit_mime}},
      {"BODY=BINARYMIME", {.body = BodyType::binary_mime}},
      {"SMTPUTF8", {.smtputf8 = true}},
      {"smtputf8", {.smtputf8 = true}},
      {"RET=FULL", {.ret = "FULL"}},
      {"ret=hdrs", {.ret = "HDRS"}},
      {"ENVID=QQ314159", {.envid = "QQ314159"}},
      {"ENVID=a+2Bb+3Dc", {.envid = "a+2Bb+3Dc"}},  // xtext kept as sent
      {"ENVID=" + std::string(100, 'x'), {.envid = std::string(100, 'x')}},
      {"ENVID=" + std::string(99, 'x') + "+2B", {.envid = std::string(99, 'x') + "+2B"}},  // 100 decoded
      {"AUTH=<>", {.auth = "<>"}},
      {"AUTH=alice+40example.org", {.auth = "alice+40example.org"}},
      {"SIZE=100 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=x AUTH=<>",
       {.size = 100, .body = BodyType::eight_bit_mime, .smtputf8 = true, .ret = "HDRS", .envid = "x", .auth = "<>"}},
      {"AUTH=<> ENVID=x RET=HDRS SMTPUTF8 BODY=8BITMIME SIZE=100",
       {.size = 100, .body = BodyType::eight_bit_mime, .smtputf8 = true, .ret = "HDRS", .envid = "x", .auth = "<>"}},
  };
  // clang-format on
  for (const auto& r : rows) EXPECT_EQ(mail_params(r.params), r.expected) << r.params;
}

struct RcptRow {
  std::string params;
  RcptParams expected;
  bool utf8 = false;
};

TEST(Params, RcptValues) {
  // clang-format off
  const RcptRow rows[] = {
      {"", {}},
      {"NOTIFY=NEVER", {.notify = "NEVER"}},
      {"notify=never", {.notify = "NEVER"}},
      {"NOTIFY=SUCCESS", {.notify = "SUCCESS"}},
      {"NOTIFY=failure,delay", {.notify = "FAILURE,DELAY"}},
      {"NOTIFY=DELAY,SUCCESS,FAILURE", {.notify = "DELAY,SUCCESS,FAILURE"}},
      {"ORCPT=rfc822;b@example.org", {.orcpt = "rfc822;b@example.org"}},
      {"ORCPT=rfc822;b+2Bc@example.org", {.orcpt = "rfc822;b+2Bc@example.org"}},
      {"ORCPT=utf-8;bø@example.org", {.orcpt = "utf-8;bø@example.org"}, true},
      {"NOTIFY=SUCCESS ORCPT=rfc822;b@example.org", {.notify = "SUCCESS", .orcpt = "rfc822;b@example.org"}},
  };
  // clang-format on
  for (const auto& r : rows) EXPECT_EQ(rcpt_params(r.params, r.utf8), r.expected) << r.params;
}

struct ErrRow {
  std::string line;
  int code;
  bool utf8 = false;
};

TEST(Params, Errors) {
  // clang-format off
  const ErrRow rows[] = {
      // Unknown to us: 555 5.5.4 (RFC 5321 §4.1.1.11).
      {"MAIL FROM:<a@example.org> FOO=BAR", 555},
      {"MAIL FROM:<a@example.org> FOO", 555},
      {"MAIL FROM:<a@example.org> REQUIRETLS", 555},
      {"MAIL FROM:<a@example.org> MT-PRIORITY=3", 555},
      {"MAIL FROM:<a@example.org> NOTIFY=NEVER", 555},  // a RCPT parameter
      {"RCPT TO:<b@example.org> SIZE=10", 555},         // a MAIL parameter
      {"RCPT TO:<b@example.org> BODY=8BITMIME", 555},
      {"MAIL FROM:<a@example.org> SIZE=1 XFOO", 555},
      // Malformed keyword or value: 501 5.5.4.
      {"MAIL FROM:<a@example.org> =x", 501},
      {"MAIL FROM:<a@example.org> -SIZE=1", 501},
      {"MAIL FROM:<a@example.org> SI_ZE=1", 501},
      {"MAIL FROM:<a@example.org> SIZE=", 501},
      {"MAIL FROM:<a@example.org> SIZE", 501},
      {"MAIL FROM:<a@example.org> SIZE=-1", 501},
      {"MAIL FROM:<a@example.org> SIZE=1k", 501},
      {"MAIL FROM:<a@example.org> SIZE=+1", 501},
      {"MAIL FROM:<a@example.org> SIZE=000000000000000000001", 501},  // 21 digits
      {"MAIL FROM:<a@example.org> SIZE=1=2", 501},
      {"MAIL FROM:<a@example.org> BODY=8BIT", 501},
      {"MAIL FROM:<a@example.org> BODY", 501},
      {"MAIL FROM:<a@example.org> SMTPUTF8=yes", 501},
      {"MAIL FROM:<a@example.org> RET=ALL", 501},
      {"MAIL FROM:<a@example.org> ENVID=a=b", 501},
      {"MAIL FROM:<a@example.org> ENVID=a+2", 501},
      {"MAIL FROM:<a@example.org> ENVID=a+2b", 501},  // hexchar is upper case
      {"MAIL FROM:<a@example.org> ENVID=" + std::string(101, 'x'), 501},
      {"MAIL FROM:<a@example.org> ENVID=é", 501},
      {"MAIL FROM:<a@example.org> AUTH=", 501},
      {"MAIL FROM:<a@example.org> AUTH=a+zz", 501},
      {"RCPT TO:<b@example.org> NOTIFY=", 501},
      {"RCPT TO:<b@example.org> NOTIFY=NEVER,SUCCESS", 501},
      {"RCPT TO:<b@example.org> NOTIFY=SUCCESS,SUCCESS", 501},
      {"RCPT TO:<b@example.org> NOTIFY=SUCCESS,", 501},
      {"RCPT TO:<b@example.org> NOTIFY=ALWAYS", 501},
      {"RCPT TO:<b@example.org> ORCPT=b@example.org", 501},
      {"RCPT TO:<b@example.org> ORCPT=;b@example.org", 501},
      {"RCPT TO:<b@example.org> ORCPT=rfc822;", 501},
      {"RCPT TO:<b@example.org> ORCPT=rfc822;b+4@example.org", 501},
      {"RCPT TO:<b@example.org> ORCPT=utf-8;bø@example.org", 501},  // UTF-8 only under SMTPUTF8
      {"RCPT TO:<b@example.org> ORCPT=rfc822;" + std::string(500, 'x'), 501},
      // Given twice: 501 5.5.4.
      {"MAIL FROM:<a@example.org> SIZE=1 SIZE=1", 501},
      {"MAIL FROM:<a@example.org> SIZE=1 size=2", 501},
      {"MAIL FROM:<a@example.org> BODY=7BIT BODY=8BITMIME", 501},
      {"MAIL FROM:<a@example.org> SMTPUTF8 SMTPUTF8", 501},
      {"MAIL FROM:<a@example.org> RET=FULL RET=HDRS", 501},
      {"MAIL FROM:<a@example.org> ENVID=a ENVID=b", 501},
      {"MAIL FROM:<a@example.org> AUTH=<> AUTH=<>", 501},
      {"RCPT TO:<b@example.org> NOTIFY=NEVER NOTIFY=NEVER", 501},
      {"RCPT TO:<b@example.org> ORCPT=rfc822;x ORCPT=rfc822;x", 501},
  };
  // clang-format on
  for (const auto& r : rows) {
    auto got = parse_command(r.line, r.utf8);
    ASSERT_TRUE(std::holds_alternative<ParseError>(got)) << r.line << ": " << ::testing::PrintToString(got);
    EXPECT_EQ(std::get<ParseError>(got).code, r.code) << r.line;
    EXPECT_EQ(std::get<ParseError>(got).enhanced, "5.5.4") << r.line;
  }
}

TEST(Params, Xtext) {
  EXPECT_TRUE(valid_xtext(""));
  EXPECT_TRUE(valid_xtext("abc!~"));
  EXPECT_TRUE(valid_xtext("+2B+3D+20"));
  EXPECT_FALSE(valid_xtext("+"));
  EXPECT_FALSE(valid_xtext("+2"));
  EXPECT_FALSE(valid_xtext("+2b"));
  EXPECT_FALSE(valid_xtext("a=b"));
  EXPECT_FALSE(valid_xtext("a b"));
  EXPECT_FALSE(valid_xtext("\x7f"));
}

}  // namespace
}  // namespace sealmail::smtp

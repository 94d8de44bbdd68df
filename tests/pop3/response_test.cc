// Responses: status lines and response codes, byte-stuffed multi-line bodies (RFC 1939 §3),
// TOP (§7), sizes as sent (§11), listings and CAPA (RFC 2449 §5).
#include "pop3/protocol/response.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "pop3/protocol/capabilities.h"

namespace sealmail::pop3 {
namespace {

std::string stuffed(std::string_view message) {
  std::string out;
  append_dot_stuffed(out, message);
  return out;
}

TEST(Pop3Response, StatusLines) {
  EXPECT_EQ(ok(), "+OK\r\n");
  EXPECT_EQ(ok("2 320"), "+OK 2 320\r\n");
  EXPECT_EQ(err("no such message"), "-ERR no such message\r\n");
  // RFC 2449 §8: the code in brackets right after "-ERR".
  EXPECT_EQ(err("maildrop already locked", RespCode::in_use), "-ERR [IN-USE] maildrop already locked\r\n");
  EXPECT_EQ(err("try later", RespCode::sys_temp), "-ERR [SYS/TEMP] try later\r\n");
  EXPECT_EQ(err("bad credentials", RespCode::auth), "-ERR [AUTH] bad credentials\r\n");
  EXPECT_EQ(err("x", RespCode::sys_perm), "-ERR [SYS/PERM] x\r\n");
  EXPECT_EQ(err("x", RespCode::login_delay), "-ERR [LOGIN-DELAY] x\r\n");
  EXPECT_EQ(err("UTF8 first", RespCode::utf8), "-ERR [UTF8] UTF8 first\r\n");
  EXPECT_EQ(err("", RespCode::auth), "-ERR [AUTH]\r\n");
  // Text cannot split the line.
  EXPECT_EQ(ok("a\r\n+OK b"), "+OK a  +OK b\r\n");
  EXPECT_EQ(err("a\nb"), "-ERR a b\r\n");
  std::string out;
  append_ok(out, "one");
  append_err(out, "two");
  append_challenge(out, "");
  append_challenge(out, "YWJj");
  EXPECT_EQ(out, "+OK one\r\n-ERR two\r\n+ \r\n+ YWJj\r\n");
}

struct StuffRow {
  std::string message;
  std::string wire;
};

TEST(Pop3Response, DotStuffing) {
  const std::vector<StuffRow> rows = {
      {"", ".\r\n"},                                           // empty message: no lines
      {"a\r\n", "a\r\n.\r\n"},                                 // already CRLF: unchanged
      {"a", "a\r\n.\r\n"},                                     // no final newline: CRLF added
      {"a\r\nb", "a\r\nb\r\n.\r\n"},                           //
      {"a\nb\n", "a\r\nb\r\n.\r\n"},                           // bare LF -> CRLF
      {"\n", "\r\n.\r\n"},                                     // one empty line
      {"\n\n", "\r\n\r\n.\r\n"},                               //
      {"\r\n", "\r\n.\r\n"},                                   //
      {".", "..\r\n.\r\n"},                                    // a line of only "."
      {".\r\n", "..\r\n.\r\n"},                                //
      {".\n", "..\r\n.\r\n"},                                  //
      {"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},            // would end the response early
      {"..\r\n", "...\r\n.\r\n"},                              // every leading "." gets one more
      {".hidden\n.\n..x", "..hidden\r\n..\r\n...x\r\n.\r\n"},  //
      {"a.\r\n b.c\r\n", "a.\r\n b.c\r\n.\r\n"},               // dots inside lines stay
      {"a\rb\r\n", "a\rb\r\n.\r\n"},                           // CR without LF is kept
      {"a\r", "a\r\r\n.\r\n"},                                 // ... also at the very end
      {"\r", "\r\r\n.\r\n"},                                   //
      {"a\r.\r\n", "a\r.\r\n.\r\n"},                           // "\r." is not a line start
      {"a\r\r\n", "a\r\r\n.\r\n"},                             // the CR before CRLF is content
      {"a\n\r\n.", "a\r\n\r\n..\r\n.\r\n"},                    // mixed endings
      {"\n.", "\r\n..\r\n.\r\n"},                              // bare LF then "."
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(testing::PrintToString(row.message));
    EXPECT_EQ(stuffed(row.message), row.wire);
    // The size RFC 1939 §5 LIST reports is the sent size before stuffing and terminator.
    size_t dots = 0;
    for (size_t i = 0; i < row.wire.size(); ++i)
      if (row.wire[i] == '.' && (i == 0 || row.wire[i - 1] == '\n')) ++dots;
    EXPECT_EQ(transmitted_size(row.message), row.wire.size() - 3 - (dots - 1));
  }
}

TEST(Pop3Response, DotStuffingAppends) {
  std::string out = "+OK 5 octets\r\n";
  append_dot_stuffed(out, "hi\n");
  append_dot_stuffed(out, ".");
  EXPECT_EQ(out, "+OK 5 octets\r\nhi\r\n.\r\n..\r\n.\r\n");
}

TEST(Pop3Response, DotStuffingLargeMessage) {
  // Long runs are copied whole; check the boundaries between runs on a big mixed message.
  std::string message, expected;
  for (int i = 0; i < 20000; ++i) {
    std::string line = std::string(i % 7 == 0 ? "." : "") + "line " + std::to_string(i);
    message += line + (i % 3 == 0 ? "\n" : "\r\n");
    expected += (line[0] == '.' ? "." : "") + line + "\r\n";
  }
  expected += ".\r\n";
  EXPECT_EQ(stuffed(message), expected);
}

// A byte-by-byte statement of RFC 1939 §3 as sealmail applies it, to check the fast version
// against (line ends found 32 bytes at a time: boundaries matter).
std::string reference_stuffed(std::string_view m) {
  std::string out;
  bool line_start = true;
  for (size_t i = 0; i < m.size(); ++i) {
    if (line_start && m[i] == '.') out += '.';
    if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) out += '\r';
    out += m[i];
    line_start = m[i] == '\n';
  }
  if (!m.empty() && m.back() != '\n') out += "\r\n";
  return out + ".\r\n";
}

TEST(Pop3Response, DotStuffingMatchesReference) {
  unsigned seed = std::random_device{}();
  std::printf("Pop3Response.DotStuffingMatchesReference seed %u\n", seed);
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  const std::string_view pieces[] = {"\n", "\r\n", "\r", ".", "a", "..", "abcdefghijklmnopqrstuvwxyz0123"};
  for (int round = 0; round < 2000; ++round) {
    std::string m;
    size_t length = std::uniform_int_distribution<size_t>(0, 300)(rng);
    while (m.size() < length) m += pieces[std::uniform_int_distribution<size_t>(0, std::size(pieces) - 1)(rng)];
    ASSERT_EQ(stuffed(m), reference_stuffed(m)) << testing::PrintToString(m);
  }
}

const std::string kMessage =
    "From: a@example.com\r\n"
    "Subject: hi\r\n"
    "\r\n"
    "line 1\r\n"
    "line 2\r\n"
    ".line 3\r\n";

TEST(Pop3Response, TopLines) {
  const std::string headers = "From: a@example.com\r\nSubject: hi\r\n\r\n";
  EXPECT_EQ(top_lines(kMessage, 0), headers);  // headers and the blank line only
  EXPECT_EQ(top_lines(kMessage, 1), headers + "line 1\r\n");
  EXPECT_EQ(top_lines(kMessage, 2), headers + "line 1\r\nline 2\r\n");
  EXPECT_EQ(top_lines(kMessage, 3), kMessage);
  EXPECT_EQ(top_lines(kMessage, 1000), kMessage);  // more lines than exist
  EXPECT_EQ(top_lines(kMessage, UINT64_MAX), kMessage);
  // It returns a prefix, so stuffing applies to the lines TOP sends.
  std::string out;
  append_dot_stuffed(out, top_lines(kMessage, 3));
  EXPECT_EQ(out, headers + "line 1\r\nline 2\r\n..line 3\r\n.\r\n");
}

TEST(Pop3Response, TopLinesEdgeCases) {
  EXPECT_EQ(top_lines("", 0), "");
  EXPECT_EQ(top_lines("", 5), "");
  EXPECT_EQ(top_lines("Subject: x", 0), "Subject: x");          // headers only, no newline
  EXPECT_EQ(top_lines("Subject: x\r\n", 3), "Subject: x\r\n");  // headers only, no blank line
  EXPECT_EQ(top_lines("\r\nbody\r\nmore", 0), "\r\n");          // no headers at all
  EXPECT_EQ(top_lines("\nbody\nmore", 1), "\nbody\n");
  EXPECT_EQ(top_lines("S: x\n\nb1\nb2", 1), "S: x\n\nb1\n");             // bare LF
  EXPECT_EQ(top_lines("S: x\n\nb1\nb2", 2), "S: x\n\nb1\nb2");           // last line without ending
  EXPECT_EQ(top_lines("S: x\n\n", 4), "S: x\n\n");                       // empty body
  EXPECT_EQ(top_lines("S: x\n \nb\n", 0), "S: x\n \nb\n");               // a space-only line is not blank
  EXPECT_EQ(top_lines("S: x\r\n\r\n\r\nb\r\n", 1), "S: x\r\n\r\n\r\n");  // empty body lines count
}

TEST(Pop3Response, Listings) {
  std::string out;
  append_scan_listing(out, 1, 120);
  append_scan_listing(out, 2147483648u, 18446744073709551615ull);
  append_unique_id_listing(out, 3, "Qm9vaGlzIGlzIGZpbmU");
  EXPECT_EQ(out, "1 120\r\n2147483648 18446744073709551615\r\n3 Qm9vaGlzIGlzIGZpbmU\r\n");
  EXPECT_TRUE(valid_unique_id("a"));
  EXPECT_TRUE(valid_unique_id(std::string(70, '~')));
  EXPECT_FALSE(valid_unique_id(""));
  EXPECT_FALSE(valid_unique_id(std::string(71, 'a')));
  EXPECT_FALSE(valid_unique_id("a b"));
  EXPECT_FALSE(valid_unique_id("\xC3\xA9"));
}

TEST(Pop3Response, Capa) {
  // RFC 2449 §5 example shape; before STLS on a plain connection: no USER, no SASL.
  Capabilities plain{.stls = true};
  std::string out;
  append_capa(out, plain);
  EXPECT_EQ(out,
            "+OK Capability list follows\r\nTOP\r\nRESP-CODES\r\nPIPELINING\r\nUIDL\r\nSTLS\r\n"
            "AUTH-RESP-CODE\r\nUTF8\r\n.\r\n");

  Capabilities tls{.user = true,
                   .sasl = {"PLAIN"},
                   .login_delay = 0,
                   .expire = "NEVER",
                   .implementation = "sealmail",
                   .utf8_user = true};
  out.clear();
  append_capa(out, tls);
  EXPECT_EQ(out,
            "+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL PLAIN\r\nRESP-CODES\r\nLOGIN-DELAY 0\r\n"
            "PIPELINING\r\nEXPIRE NEVER\r\nUIDL\r\nIMPLEMENTATION sealmail\r\nAUTH-RESP-CODE\r\nUTF8 USER\r\n.\r\n");
}

}  // namespace
}  // namespace sealmail::pop3

// The client's I/O-free parts: reply parsing (RFC 5321 §4.2), EHLO keywords, DATA encoding
// (RFC 5321 §4.5.2 transparency, §2.3.8 line endings).
#include <gtest/gtest.h>

#include "smtp/client/extensions.h"
#include "smtp/client/message_data.h"
#include "smtp/client/reply.h"

namespace sealmail::smtp::client {
namespace {

using Status = ReplyParser::Status;

TEST(ReplyParser, SingleAndMultiLine) {
  Reply r;
  size_t used = 0;
  ASSERT_EQ(ReplyParser::parse("250 2.0.0 OK\r\n", r, used), Status::complete);
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(used, 14u);
  EXPECT_EQ(r.enhanced(), "2.0.0");
  EXPECT_EQ(r.summary(), "250 2.0.0 OK");
  std::string multi = "250-mx.test greets you\r\n250-SIZE 1000\r\n250 PIPELINING\r\n354 go\r\n";
  ASSERT_EQ(ReplyParser::parse(multi, r, used), Status::complete);
  EXPECT_EQ(r.lines, (std::vector<std::string>{"mx.test greets you", "SIZE 1000", "PIPELINING"}));
  EXPECT_EQ(multi.substr(used), "354 go\r\n");
  ASSERT_EQ(ReplyParser::parse("220\r\n", r, used), Status::complete);  // text is optional
  EXPECT_TRUE(r.lines.front().empty());
}

TEST(ReplyParser, ByteAtATime) {
  std::string wire = "451-4.3.0 first\r\n451 4.3.0 second\r\n";
  std::string buffer;
  Reply r;
  size_t used = 0;
  for (size_t i = 0; i < wire.size(); ++i) {
    buffer += wire[i];
    auto status = ReplyParser::parse(buffer, r, used);
    if (i + 1 < wire.size()) {
      ASSERT_EQ(status, Status::need_more) << i;
    } else {
      ASSERT_EQ(status, Status::complete);
    }
  }
  EXPECT_EQ(r.code, 451);
  EXPECT_EQ(r.lines.size(), 2u);
  EXPECT_TRUE(r.transient());
}

TEST(ReplyParser, Malformed) {
  Reply r;
  size_t used = 0;
  for (std::string bad :
       {"25 x\r\n", "abc def\r\n", "250-a\r\n251 b\r\n", "250x\r\n", "199 too low\r\n", "600 high\r\n"})
    EXPECT_EQ(ReplyParser::parse(bad, r, used), Status::error) << bad;
  EXPECT_EQ(ReplyParser::parse(std::string(ReplyParser::kMaxLine + 10, '2'), r, used), Status::error);
  std::string many;
  for (size_t i = 0; i < ReplyParser::kMaxLines + 1; ++i) many += "250-x\r\n";
  EXPECT_EQ(ReplyParser::parse(many, r, used), Status::error);
}

TEST(ReplyParser, LineAtTheLimitArrivingByteByByte) {
  // A line of exactly kMaxLine bytes is accepted whole; it must be too when its CR has arrived
  // and its LF not yet (found by fuzz_smtp_reply: the outcome depended on segmentation).
  std::string line = "250 " + std::string(ReplyParser::kMaxLine - 4, 'x');
  Reply r;
  size_t used = 0;
  EXPECT_EQ(ReplyParser::parse(line + "\r", r, used), Status::need_more);
  ASSERT_EQ(ReplyParser::parse(line + "\r\n", r, used), Status::complete);
  EXPECT_EQ(r.lines.front().size(), ReplyParser::kMaxLine - 4);
  // One byte more is too long, before and after the LF.
  EXPECT_EQ(ReplyParser::parse(line + "xx\r", r, used), Status::error);
  EXPECT_EQ(ReplyParser::parse(line + "x\r\n", r, used), Status::error);
}

TEST(ReplyParser, EnhancedCodeOnlyWhenWellFormedAndOfTheSameClass) {
  Reply r;
  size_t used = 0;
  auto enhanced = [&](const char* wire) {
    EXPECT_EQ(ReplyParser::parse(wire, r, used), Status::complete);
    return r.enhanced();
  };
  EXPECT_EQ(enhanced("550 5.1.10 null MX\r\n"), "5.1.10");
  EXPECT_EQ(enhanced("550 4.1.1 wrong class\r\n"), "");
  EXPECT_EQ(enhanced("550 <bob@x.test> unknown\r\n"), "");
  EXPECT_EQ(enhanced("550 5.1.1234 too long\r\n"), "");
  EXPECT_EQ(enhanced("550 5.1\r\n"), "");
}

TEST(Extensions, Keywords) {
  Reply ehlo{250, {"mx.test", "size 52428800", "8BITMIME", "SMTPUTF8", "PIPELINING", "STARTTLS", "CHUNKING"}};
  auto e = parse_extensions(ehlo);
  EXPECT_TRUE(e.size);
  EXPECT_EQ(e.max_size, 52428800u);
  EXPECT_TRUE(e.eightbitmime && e.smtputf8 && e.pipelining && e.starttls);
  auto none = parse_extensions(Reply{250, {"mx.test STARTTLS"}});  // the greeting line is not a keyword
  EXPECT_FALSE(none.starttls);
  auto bare_size = parse_extensions(Reply{250, {"mx.test", "SIZE"}});
  EXPECT_TRUE(bare_size.size);
  EXPECT_EQ(bare_size.max_size, 0u);
}

struct EncodeCase {
  std::string in, out;
};

TEST(EncodeData, Table) {
  std::vector<EncodeCase> cases = {
      {"a\r\nb\r\n", "a\r\nb\r\n.\r\n"},                                      // clean: byte-exact
      {"", ".\r\n"},                                                          // empty message
      {"a", "a\r\n.\r\n"},                                                    // final CRLF added
      {".\r\n", "..\r\n.\r\n"},                                               // a lone dot is stuffed
      {"x\r\n.y\r\n..\r\n", "x\r\n..y\r\n...\r\n.\r\n"},                      // every leading dot doubled
      {"a\nb\n", "a\r\nb\r\n.\r\n"},                                          // bare LF
      {"a\rb\r\n", "a\r\nb\r\n.\r\n"},                                        // bare CR
      {"a\n.\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},                               // "\n.\n" smuggling attempt
      {"a\r.\rb\r\n", "a\r\n..\r\nb\r\n.\r\n"},                               // "\r.\r" smuggling attempt
      {"a\r\n.\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},                             // "\r\n.\n"
      {"a\r\n\r\n", "a\r\n\r\n.\r\n"},                                        // empty last line kept
      {"mid.dle .\r\n", "mid.dle .\r\n.\r\n"},                                // dots elsewhere untouched
      {std::string("\x00\xff\r\n", 4), std::string("\x00\xff\r\n.\r\n", 7)},  // bytes kept
  };
  for (const auto& c : cases) EXPECT_EQ(encode_data(c.in), c.out) << "input: " << c.in;
}

TEST(MessageData, EightBitChecks) {
  EXPECT_FALSE(has_8bit("plain\r\n"));
  EXPECT_TRUE(has_8bit("caf\xc3\xa9"));
  EXPECT_FALSE(headers_have_8bit("Subject: x\r\n\r\ncaf\xc3\xa9"));
  EXPECT_TRUE(headers_have_8bit("Subject: caf\xc3\xa9\r\n\r\nx"));
  EXPECT_TRUE(needs_smtputf8("s@x.test", {"ok@y.test", "j\xc3\xb6rg@y.test"}));
  EXPECT_FALSE(needs_smtputf8("s@x.test", {"ok@y.test"}));
}

}  // namespace
}  // namespace sealmail::smtp::client

// Replies (RFC 5321 §4.2, RFC 2034 §4) and the EHLO answer (RFC 5321 §4.1.1.1 and the extension
// RFCs), as exact bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smtp/protocol/ehlo.h"
#include "smtp/protocol/reply.h"

namespace sealmail::smtp {
namespace {

TEST(Reply, SingleLine) {
  EXPECT_EQ(reply(250, "2.1.0", "Ok"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(reply(250, "", "Ok"), "250 Ok\r\n");
  EXPECT_EQ(reply(354, "", "End data with <CR><LF>.<CR><LF>"), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(reply(221, "2.0.0", ""), "221 2.0.0\r\n");
  EXPECT_EQ(reply(250, "", ""), "250\r\n");
  EXPECT_EQ(reply(552, "5.3.4", "Message size exceeds fixed maximum message size"),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
}

TEST(Reply, TextCannotSplitTheReply) {
  // CR, LF and other controls become spaces: a reply is one line whatever it is given.
  EXPECT_EQ(reply(550, "5.1.1", "no\r\n250 Ok"), "550 5.1.1 no  250 Ok\r\n");
  EXPECT_EQ(reply(550, "5.1.1", std::string("a\0b\x7f", 4)), "550 5.1.1 a b \r\n");
  EXPECT_EQ(reply(550, "5.1.1", "tab\tkept"), "550 5.1.1 tab\tkept\r\n");
}

TEST(Reply, Multiline) {
  EXPECT_EQ(reply_lines(250, {"a", "b", "c"}), "250-a\r\n250-b\r\n250 c\r\n");
  EXPECT_EQ(reply_lines(250, {"only"}), "250 only\r\n");
  EXPECT_EQ(reply_lines(250, {}), "250\r\n");
  EXPECT_EQ(reply_lines(214, "2.0.0", {"Commands:", "HELO EHLO"}), "214-2.0.0 Commands:\r\n214 2.0.0 HELO EHLO\r\n");
  EXPECT_EQ(reply_lines(250, {"x\r\ny", "z"}), "250-x  y\r\n250 z\r\n");
}

TEST(Ehlo, FullAnswer) {
  EhloOptions o{.hostname = "mx.sealmail.example", .max_message_bytes = 52428800, .starttls = true, .auth = "PLAIN LOGIN"};
  EXPECT_EQ(ehlo_reply(o, "client.example"),
            "250-mx.sealmail.example greets client.example\r\n"
            "250-PIPELINING\r\n"
            "250-SIZE 52428800\r\n"
            "250-8BITMIME\r\n"
            "250-ENHANCEDSTATUSCODES\r\n"
            "250-SMTPUTF8\r\n"
            "250-CHUNKING\r\n"
            "250-BINARYMIME\r\n"
            "250-DSN\r\n"
            "250-STARTTLS\r\n"
            "250 AUTH PLAIN LOGIN\r\n");
}

TEST(Ehlo, MinimalAnswer) {
  // After STARTTLS (RFC 3207 §4.2: not offered again), no AUTH, no CHUNKING (so no BINARYMIME,
  // RFC 3030 §3), no SMTPUTF8; the last line is DSN.
  EhloOptions o{.hostname = "mx.example",
                .max_message_bytes = 1000,
                .starttls = false,
                .auth = "",
                .chunking = false,
                .smtputf8 = false};
  EXPECT_EQ(ehlo_reply(o, "[192.0.2.1]"),
            "250-mx.example greets [192.0.2.1]\r\n"
            "250-PIPELINING\r\n"
            "250-SIZE 1000\r\n"
            "250-8BITMIME\r\n"
            "250-ENHANCEDSTATUSCODES\r\n"
            "250 DSN\r\n");
}

TEST(Ehlo, UnlimitedSizeAndOddClientNames) {
  EhloOptions o{.hostname = "mx.example", .max_message_bytes = 0, .starttls = false, .auth = ""};
  std::string r = ehlo_reply(o, "bad\r\nname");
  EXPECT_EQ(r.substr(0, r.find("\r\n")), "250-mx.example");  // not echoed
  EXPECT_NE(r.find("250-SIZE\r\n"), std::string::npos);      // RFC 1870 §4: no fixed limit
  EXPECT_EQ(ehlo_reply(o, "").substr(0, 16), "250-mx.example\r\n");
}

}  // namespace
}  // namespace sealmail::smtp

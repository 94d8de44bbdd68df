#include <gtest/gtest.h>

#include "mime/attachment_split.h"
#include "mime/message_info.h"

namespace sealmail::mime {
namespace {

constexpr const char* kSimple =
    "From: Alice Example <alice@example.org>\r\n"
    "To: bob@example.com\r\n"
    "Subject: =?UTF-8?Q?Caf=C3=A9?= plans\r\n"
    "Date: Mon, 23 Nov 2026 04:00:00 +0100\r\n"
    "Message-ID: <abc@example.org>\r\n"
    "In-Reply-To: <parent@example.org>\r\n"
    "References: <root@example.org> <parent@example.org>\r\n"
    "\r\n"
    "Lunch at noon?\r\n";

TEST(Analyze, HeaderFieldsAreDecoded) {
  auto info = analyze(kSimple);
  EXPECT_EQ(info.fields.subject, "Café plans");
  EXPECT_EQ(info.fields.from, "Alice Example <alice@example.org>");
  EXPECT_EQ(info.fields.to, "bob@example.com");
  ASSERT_TRUE(info.fields.date.has_value());
  EXPECT_EQ(*info.fields.date, 1795402800);  // 03:00:00 UTC
  EXPECT_EQ(info.fields.message_id, "abc@example.org");
  EXPECT_EQ(info.fields.in_reply_to, "parent@example.org");
  ASSERT_EQ(info.fields.references.size(), 2u);
  EXPECT_EQ(info.fields.references[0], "root@example.org");
  EXPECT_NE(info.search_body.find("lunch at noon?"), std::string::npos);
  EXPECT_NE(info.search_headers.find("subject: café plans"), std::string::npos);
  EXPECT_TRUE(info.attachments.empty());
}

TEST(Analyze, EnvelopeKeepsRawHeaderText) {
  auto info = analyze(kSimple);
  // RFC 9051 §7.5.2: date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id.
  EXPECT_EQ(info.imap_envelope,
            "(\"Mon, 23 Nov 2026 04:00:00 +0100\" \"=?UTF-8?Q?Caf=C3=A9?= plans\" "
            "((\"Alice Example\" NIL \"alice\" \"example.org\")) ((\"Alice Example\" NIL \"alice\" \"example.org\")) "
            "((\"Alice Example\" NIL \"alice\" \"example.org\")) ((NIL NIL \"bob\" \"example.com\")) NIL NIL "
            "\"<parent@example.org>\" \"<abc@example.org>\")");
}

TEST(Analyze, BodystructureOfPlainText) {
  auto info = analyze(kSimple);
  EXPECT_EQ(info.imap_bodystructure,
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 16 1 NIL NIL NIL NIL)");
}

TEST(Analyze, MultipartAttachmentRangeIsTheEncodedBody) {
  std::string att(6000, 'Q');
  std::string raw =
      "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nhello <b>\r\n"
      "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
      att + "\r\n--b--\r\n";
  auto info = analyze(raw);
  ASSERT_EQ(info.attachments.size(), 1u);
  auto r = info.attachments[0];
  std::string_view body = std::string_view(raw).substr(r.offset, r.length);
  EXPECT_EQ(body.substr(0, 6000), att);
  EXPECT_TRUE(info.has_attachment);
  EXPECT_NE(info.imap_bodystructure.find("\"mixed\" (\"boundary\" \"b\")"), std::string::npos);
  auto split_msg = split(raw, info.attachments);
  EXPECT_EQ(split_msg.skeleton.find(att), std::string::npos);
  EXPECT_EQ(join(split_msg.skeleton, split_msg.bodies), raw);
}

TEST(Analyze, HtmlBecomesSearchableText) {
  std::string raw =
      "Subject: h\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
      "<html><style>.a{}</style><body><p>Fish &amp; chips</p><script>alert(1)</script></body></html>\r\n";
  auto info = analyze(raw);
  EXPECT_NE(info.search_body.find("fish & chips"), std::string::npos);
  EXPECT_EQ(info.search_body.find("alert"), std::string::npos);
  EXPECT_EQ(info.search_body.find("<p>"), std::string::npos);
}

TEST(Analyze, GarbageNeverThrows) {
  for (std::string raw :
       {std::string(), std::string("\r\n\r\n"), std::string("no colon here\n\nbody"),
        std::string("Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n"), std::string(1000, '\0')}) {
    auto info = analyze(raw);
    EXPECT_FALSE(info.imap_envelope.empty());
    EXPECT_FALSE(info.imap_bodystructure.empty());
    auto s = split(raw, info.attachments);
    EXPECT_EQ(join(s.skeleton, s.bodies), raw);
  }
}

TEST(Split, RejectsBadRanges) {
  EXPECT_THROW(split("abcdef", {{4, 1}, {2, 1}}), std::invalid_argument);
  EXPECT_THROW(split("abcdef", {{5, 3}}), std::invalid_argument);
}

}  // namespace
}  // namespace sealmail::mime

namespace sealmail::mime {
namespace {

TEST(Analyze, AttachedMessageIsMeasuredAndSearched) {
  std::string inner =
      "From: eve@example.net\r\nSubject: Original\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n"
      "--in\r\nContent-Type: text/plain\r\n\r\ninner words here\r\n"
      "--in\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=q3.csv\r\n\r\n" +
      std::string(5000, 'c') + "\r\n--in--\r\n";
  std::string raw =
      "Subject: Fwd\r\nContent-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\nContent-Type: text/plain\r\n\r\nsee "
      "below\r\n"
      "--out\r\nContent-Type: message/rfc822\r\n\r\n" +
      inner + "\r\n--out--\r\n";
  auto info = analyze(raw);
  // RFC 9051 §7.5.2: size of the body in octets, then its envelope, its structure and its lines.
  std::string expected = "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" " + std::to_string(inner.size()) + " (";
  EXPECT_NE(info.imap_bodystructure.find(expected), std::string::npos) << info.imap_bodystructure;
  EXPECT_NE(info.imap_bodystructure.find(" 14 NIL NIL NIL NIL)"), std::string::npos) << info.imap_bodystructure;
  ASSERT_EQ(info.attachments.size(), 1u);  // the csv inside the attached message
  EXPECT_EQ(raw.substr(info.attachments[0].offset, 5000), std::string(5000, 'c'));
  EXPECT_NE(info.search_body.find("inner words here"), std::string::npos);
  EXPECT_NE(info.search_body.find("subject: original"), std::string::npos);
}

}  // namespace
}  // namespace sealmail::mime

namespace sealmail::mime {
namespace {

TEST(FoldForSearch, FoldsEveryScriptAndSurvivesBadUtf8) {
  EXPECT_EQ(fold_for_search("Hello WORLD"), "hello world");
  EXPECT_EQ(fold_for_search("ПРИВЕТ Мир"), "привет мир");
  EXPECT_EQ(fold_for_search("Straße"), fold_for_search("STRASSE"));
  EXPECT_EQ(fold_for_search("ÉCOLE École"), "école école");
  std::string bad = "ok \xff\xfe end";
  EXPECT_EQ(fold_for_search(bad).substr(0, 3), "ok ");  // invalid bytes replaced, never thrown
  EXPECT_NE(fold_for_search(bad).find(" end"), std::string::npos);
}

TEST(Analyze, SearchTextCanBeLeftOut) {
  AnalyzeOptions o;
  o.search_text = false;
  auto info = analyze(kSimple, o);
  EXPECT_TRUE(info.search_body.empty());
  EXPECT_TRUE(info.search_headers.empty());
  EXPECT_EQ(info.fields.subject, "Café plans");
}

}  // namespace
}  // namespace sealmail::mime

namespace sealmail::mime {
namespace {

TEST(Analyze, FoldedSearchTextStaysWithinItsCap) {
  // Found by fuzz_mime_split: folding lengthens text (invalid bytes become U+FFFD, ß becomes ss).
  std::string raw = "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + std::string(300, '\xff') + "\r\n";
  AnalyzeOptions o;
  o.max_search_text = 100;
  auto info = analyze(raw, o);
  EXPECT_LE(info.search_body.size(), 100u);
  EXPECT_LE(info.search_headers.size(), 100u);
  EXPECT_EQ(fold_for_search(info.search_body), info.search_body);  // cut at a character, still valid
}

}  // namespace
}  // namespace sealmail::mime

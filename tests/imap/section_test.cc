// BODY[section] and BINARY[section] over raw messages (RFC 9051 §6.4.5, RFC 3516).
#include "imap/protocol/section.h"

#include <gtest/gtest.h>

#include "imap/protocol/transfer_encoding.h"

namespace sealmail::imap {
namespace {

using S = Section::Specifier;

// RFC 9051 §6.4.5's example layout: a multipart/mixed with a text part, an application part,
// a message/rfc822 part holding a multipart/mixed, and a nested multipart/alternative.
const std::string kMessage =
    "From: a@example.com\r\n"
    "To: b@example.com\r\n"
    "Subject: test\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed;\r\n"
    "\tboundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "part one\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aGVsbG8g\r\n"
    "d29ybGQ=\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "From: c@example.com\r\n"
    "Content-Type: multipart/mixed; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "\r\n"
    "inner one\r\n"
    "--inner\r\n"
    "Content-Type: text/html\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>caf=C3=A9 =\r\n"
    "soft</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
    "\r\n"
    "--alt\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "plain\r\n"
    "--alt\r\n"
    "Content-Type: text/enriched\r\n"
    "Content-Transfer-Encoding: x-uuencode\r\n"
    "\r\n"
    "enriched\r\n"
    "--alt--\r\n"
    "\r\n"
    "--outer--\r\n"
    "epilogue\r\n";

std::optional<std::string> body(std::string_view message, std::vector<uint32_t> part, S spec = S::none,
                                std::vector<std::string> fields = {}) {
  auto r = extract_section(message, Section{std::move(part), spec, std::move(fields)});
  if (!r) return std::nullopt;
  return std::string(r->bytes());
}

TEST(Section, WholeHeaderText) {
  EXPECT_EQ(body(kMessage, {}), kMessage);
  std::string header = kMessage.substr(0, kMessage.find("\r\n\r\n") + 4);
  EXPECT_EQ(body(kMessage, {}, S::header), header);
  EXPECT_EQ(body(kMessage, {}, S::text), kMessage.substr(header.size()));
  // A view into the message, not a copy.
  auto whole = extract_section(kMessage, Section{});
  EXPECT_EQ(whole->bytes().data(), kMessage.data());
}

TEST(Section, MultipartParts) {
  EXPECT_EQ(body(kMessage, {1}), "part one");
  EXPECT_EQ(body(kMessage, {1}, S::mime), "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
  EXPECT_EQ(body(kMessage, {2}), "aGVsbG8g\r\nd29ybGQ=");
  EXPECT_EQ(body(kMessage, {4, 1}), "plain");
  EXPECT_EQ(body(kMessage, {4, 2}), "enriched");
  EXPECT_EQ(body(kMessage, {4}, S::mime), "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n");
  EXPECT_EQ(body(kMessage, {4}),
            "--alt\r\nContent-Type: text/plain\r\n\r\nplain\r\n--alt\r\n"
            "Content-Type: text/enriched\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
            "enriched\r\n--alt--\r\n");
  EXPECT_FALSE(body(kMessage, {5}));
  EXPECT_FALSE(body(kMessage, {1, 1}));
  EXPECT_FALSE(body(kMessage, {4, 3}));
  EXPECT_FALSE(body(kMessage, {1}, S::header));  // HEADER needs a message/rfc822 part
  EXPECT_FALSE(body(kMessage, {}, S::mime));
}

TEST(Section, NestedMessage) {
  std::string inner = body(kMessage, {3}).value();
  EXPECT_EQ(inner.substr(0, 16), "Subject: inner\r\n");
  EXPECT_EQ(body(kMessage, {3}, S::header),
            "Subject: inner\r\nFrom: c@example.com\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n");
  EXPECT_EQ(body(kMessage, {3}, S::mime), "Content-Type: message/rfc822\r\n\r\n");
  EXPECT_EQ(body(kMessage, {3, 1}), "inner one");
  EXPECT_EQ(body(kMessage, {3, 1}, S::mime), "\r\n");
  EXPECT_EQ(body(kMessage, {3, 2}), "<p>caf=C3=A9 =\r\nsoft</p>");
  EXPECT_EQ(body(kMessage, {3}, S::text).value().substr(0, 9), "--inner\r\n");
  EXPECT_EQ(body(kMessage, {3}, S::header_fields, {"from"}), "From: c@example.com\r\n\r\n");
}

TEST(Section, HeaderFields) {
  // Matching is case-insensitive; lines come in message order with their folding; then a blank line.
  EXPECT_EQ(body(kMessage, {}, S::header_fields, {"SUBJECT", "from"}), "From: a@example.com\r\nSubject: test\r\n\r\n");
  EXPECT_EQ(body(kMessage, {}, S::header_fields, {"content-type"}),
            "Content-Type: multipart/mixed;\r\n\tboundary=\"outer\"\r\n\r\n");
  EXPECT_EQ(body(kMessage, {}, S::header_fields, {"X-Missing"}), "\r\n");
  EXPECT_EQ(body(kMessage, {}, S::header_fields_not, {"content-type", "MIME-Version", "To"}),
            "From: a@example.com\r\nSubject: test\r\n\r\n");
  std::string dup = "Received: 1\r\nX: a\r\nreceived: 2\r\n  folded\r\n\r\nbody";
  EXPECT_EQ(body(dup, {}, S::header_fields, {"Received"}), "Received: 1\r\nreceived: 2\r\n  folded\r\n\r\n");
}

TEST(Section, NonMultipart) {
  std::string m = "Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nline=3D1\r\n";
  EXPECT_EQ(body(m, {1}), "line=3D1\r\n");  // part 1 of a non-multipart message is its body
  EXPECT_EQ(body(m, {1}, S::mime), "Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
  EXPECT_FALSE(body(m, {2}));
  EXPECT_FALSE(body(m, {1, 1}));
  auto bin = extract_binary(m, Section{{1}, S::none, {}});
  EXPECT_EQ(std::get<std::string>(bin), "line=1\r\n");
}

TEST(Section, Binary) {
  EXPECT_EQ(std::get<std::string>(extract_binary(kMessage, Section{{2}, S::none, {}})), "hello world");
  EXPECT_EQ(std::get<std::string>(extract_binary(kMessage, Section{{1}, S::none, {}})), "part one");
  EXPECT_EQ(std::get<std::string>(extract_binary(kMessage, Section{{3, 2}, S::none, {}})), "<p>caf\xc3\xa9 soft</p>");
  EXPECT_EQ(std::get<BinaryError>(extract_binary(kMessage, Section{{4, 2}, S::none, {}})), BinaryError::unknown_cte);
  EXPECT_EQ(std::get<BinaryError>(extract_binary(kMessage, Section{{9}, S::none, {}})), BinaryError::no_such_part);
  EXPECT_EQ(std::get<std::string>(extract_binary(kMessage, Section{})), kMessage);
}

TEST(Section, LfOnlyAndOddInput) {
  std::string lf = "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b\n\ny\n--b--\n";
  EXPECT_EQ(body(lf, {1}), "x");
  EXPECT_EQ(body(lf, {2}), "y");
  EXPECT_EQ(body(lf, {1}, S::mime), "Content-Type: text/plain\n\n");
  // No blank line: everything is header, the body is empty.
  EXPECT_EQ(body("Subject: x", {}, S::header), "Subject: x");
  EXPECT_EQ(body("Subject: x", {}, S::text), "");
  EXPECT_EQ(body("Subject: x", {}, S::header_fields, {"subject"}), "Subject: x\r\n\r\n");
  EXPECT_EQ(body("", {}), "");
  EXPECT_EQ(body("", {1}), "");
  // Missing close delimiter: the last part runs to the end.
  std::string open = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nlast";
  EXPECT_EQ(body(open, {1}), "last");
  // A boundary that only prefixes a line does not split it.
  std::string prefix = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--bx\r\n--b--\r\n";
  EXPECT_EQ(body(prefix, {1}), "--bx");
  // Empty parts between adjacent delimiters.
  std::string empty = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n\r\nz\r\n--b--";
  EXPECT_EQ(body(empty, {1}), "");
  EXPECT_EQ(body(empty, {2}), "z");
  // Multipart without a boundary is a leaf.
  EXPECT_EQ(body("Content-Type: multipart/mixed\r\n\r\nabc", {1}), "abc");
}

TEST(Section, Digest) {
  std::string digest =
      "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: one\r\n\r\nbody one\r\n--d--\r\n";
  EXPECT_EQ(body(digest, {1}, S::header), "Subject: one\r\n\r\n");  // parts default to message/rfc822
  EXPECT_EQ(body(digest, {1, 1}), "body one");
}

TEST(TransferEncoding, Decoders) {
  EXPECT_EQ(decode_base64("aGVs\r\nbG8=\r\n"), "hello");
  EXPECT_EQ(decode_base64("a GV sbG8"), "hello");
  EXPECT_EQ(decode_quoted_printable("a=3Db=\r\nc  \r\nd=ZZ=4"), "a=bc\r\nd=ZZ=4");
  EXPECT_EQ(decode_quoted_printable("x=e9"), "x\xe9");
  EXPECT_FALSE(decode_transfer_encoding("x-gzip", "abc"));
  EXPECT_EQ(decode_transfer_encoding("8bit", "abc"), "abc");
}

}  // namespace
}  // namespace sealmail::imap

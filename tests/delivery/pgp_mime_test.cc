// PGP/MIME framing and the "already encrypted" test (src/delivery/pgp/pgp_mime.h, issue 9): tables
// of messages -> answers, RFC 3156 §4's structure of what is built, and the WKD hash against the
// draft's own example (draft-koch-openpgp-webkey-service §3.1).
#include "delivery/pgp/pgp_mime.h"

#include <gtest/gtest.h>

#include <string>

#include "delivery/pgp/wkd.h"

namespace sealmail::delivery::pgp {
namespace {

TEST(PgpMime, WhatCountsAsEncrypted) {
  struct Case {
    const char* message;
    bool encrypted;
  } cases[] = {
      {"Subject: x\r\n\r\nhello\r\n", false},
      {"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\r\n\r\n--b--\r\n", true},
      {"Content-Type: Multipart/Encrypted (comment);\r\n boundary=b\r\n\r\n", true},
      {"Content-Type:\r\n multipart/encrypted\r\n\r\n", true},
      {"Content-Type: multipart/mixed; boundary=b\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n", false},
      {"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIAG\r\n", false},
      {"Subject: inline\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQEM\r\n-----END PGP MESSAGE-----\r\n", true},
      {"Content-Type: text/plain\r\n\r\nsee:\r\n-----BEGIN PGP MESSAGE-----  \r\n", true},
      {"Subject: quoted\r\n\r\n> -----BEGIN PGP MESSAGE-----\r\n", false},
      {"Subject: in a line\r\n\r\nx -----BEGIN PGP MESSAGE-----\r\n", false},
      {"Subject: x\r\nX-Note: -----BEGIN PGP MESSAGE-----\r\n\r\nplain\r\n", false},
      {"Content-Transfer-Encoding: base64\r\n\r\nLS0tLS1CRUdJTiBQR1AgTUVTU0FHRS0tLS0tCgpoUUVNQQo=\r\n", true},
      {"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n", false},
      {"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64\r\n", false},
      {"", false},
  };
  for (const auto& c : cases) EXPECT_EQ(is_encrypted(c.message), c.encrypted) << c.message;
}

TEST(PgpMime, HeaderFieldsUnfoldAndStopAtTheBody) {
  std::string m =
      "From: a@b\r\nSubject: one\r\n two\r\nnot a field\r\n folded after junk\r\nTo: c@d\r\n\r\nBody: no\r\n";
  size_t body = 0;
  auto f = header_fields(m, &body);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].name, "From");
  EXPECT_EQ(f[1].raw, "Subject: one\r\n two\r\n");
  EXPECT_EQ(f[2].name, "To");
  EXPECT_EQ(m.substr(body), "Body: no\r\n");
  EXPECT_EQ(media_type(" Text/Plain ; charset=x"), "text/plain");
  EXPECT_EQ(media_type("(a (nested) comment) text/html"), "text/html");
}

TEST(PgpMime, BuildsRfc3156WithTheOuterFieldsOnly) {
  std::string original =
      "Received: from x\r\nFrom: Alice <a@example.org>\r\nTo: b@example.com\r\nSubject: Hi\r\n there\r\n"
      "Message-ID: <1@x>\r\nX-Secret: no\r\nList-Id: <l.example.org>\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
  std::string armored = "-----BEGIN PGP MESSAGE-----\n\nhF4D\n-----END PGP MESSAGE-----\n";
  std::string out = pgp_mime_message(original, armored, "b0");
  EXPECT_EQ(
      out,
      "From: Alice <a@example.org>\r\nTo: b@example.com\r\nSubject: Hi\r\n there\r\nMessage-ID: <1@x>\r\n"
      "List-Id: <l.example.org>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n boundary=\"b0\"\r\n\r\n"
      "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
      "--b0\r\nContent-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n"
      "\r\nVersion: 1\r\n\r\n"
      "--b0\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
      "Content-Description: OpenPGP encrypted message\r\n"
      "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n"
      "-----BEGIN PGP MESSAGE-----\r\n\r\nhF4D\r\n-----END PGP MESSAGE-----\r\n\r\n--b0--\r\n");
  EXPECT_TRUE(is_encrypted(out));
}

TEST(Wkd, HashAndUrlsAsTheDraftSays) {
  // §3.1's example: "Joe.Doe@Example.ORG".
  EXPECT_EQ(wkd_hash("Joe.Doe"), "iy9q119eutrkn8s1mk4r39qejnbu3n5q");
  auto urls = wkd_urls("Joe.Doe@Example.ORG");
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_EQ(urls[0],
            "https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q"
            "?l=Joe.Doe");
  EXPECT_EQ(urls[1], "https://example.org/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe");
  EXPECT_TRUE(wkd_urls("nodomain").empty());
  EXPECT_TRUE(wkd_urls("a@").empty());
}

}  // namespace
}  // namespace sealmail::delivery::pgp

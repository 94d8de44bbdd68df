// SASL PLAIN (RFC 4616) responses: valid ones, with and without authzid, and every way a
// response can be malformed.
#include "core/sasl_plain.h"

#include <gtest/gtest.h>

#include <string>

#include "core/base64.h"

namespace sealmail::sasl {
namespace {

std::string b64(std::string_view raw) { return base64_encode(raw); }

TEST(Pop3SaslPlain, Valid) {
  // RFC 4616 §4 example shape: no authzid.
  auto r = decode_sasl_plain(b64(std::string("\0tim\0tanstaaftanstaaf", 21)));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->authzid, "");
  EXPECT_EQ(r->authcid, "tim");
  EXPECT_EQ(r->password, "tanstaaftanstaaf");

  r = decode_sasl_plain("AGhlbGxvQGV4YW1wbGUuY29tAHNlY3JldA==");  // \0hello@example.com\0secret
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->authcid, "hello@example.com");
  EXPECT_EQ(r->password, "secret");
  r->wipe();
  EXPECT_TRUE(r->password.empty());
  EXPECT_TRUE(r->authcid.empty());
}

TEST(Pop3SaslPlain, AuthzidEqualToAuthcid) {
  auto r = decode_sasl_plain(b64(std::string("a@example.com\0a@example.com\0pw", 30)));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->authzid, "a@example.com");
  EXPECT_EQ(r->authcid, "a@example.com");
  EXPECT_EQ(r->password, "pw");
}

TEST(Pop3SaslPlain, PasswordMayHoldSpacesAndUtf8) {
  auto r = decode_sasl_plain(b64(std::string("\0u\0p \xC3\xA4 ss", 10)));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->password, "p \xC3\xA4 ss");
}

TEST(Pop3SaslPlain, Rejected) {
  struct Row {
    std::string input;  // as sent (base64)
    std::string message;
  };
  const std::string bad_b64 = "SASL PLAIN response is not valid base64";
  const std::string shape = "SASL PLAIN response must be authzid NUL authcid NUL password";
  const std::vector<Row> rows = {
      {"", shape},                                // "=" initial response: nothing
      {"AGhlbGxvAHNlY3JldA", bad_b64},            // missing padding
      {"AGhlbGxvAHNlY3JldA=", bad_b64},           // wrong padding
      {"AGhlbGxvAHNl Y3JldA==", bad_b64},         // space
      {"AGhlbGxvAHNlY3JldA==\r\n", bad_b64},      // line ending left in
      {"AGhlbGxvAHNlY3JldA=!", bad_b64},          // character outside the alphabet
      {"AGhlbGxvAHNlY3JldB==", bad_b64},          // non-zero bits before the padding
      {"*", bad_b64},                             // a cancel is not a response
      {b64("hello"), shape},                      // no NUL
      {b64(std::string("\0hello", 6)), shape},    // one NUL
      {b64(std::string("\0a\0b\0c", 6)), shape},  // three NULs
      {b64(std::string("\0\0pw", 4)), "SASL PLAIN user name is empty"},
      {b64(std::string("\0user\0", 6)), "SASL PLAIN password is empty"},
      {b64(std::string("other\0user\0pw", 13)), "SASL PLAIN authorization identity must be empty or the user name"},
      {b64(std::string(1, '\0') + std::string(256, 'u') + std::string("\0pw", 3)),
       "SASL PLAIN field longer than 255 octets"},
      {b64(std::string("\0u\0", 3) + std::string(256, 'p')), "SASL PLAIN field longer than 255 octets"},
      {b64(std::string("\0u\xFF\0pw", 6)), "SASL PLAIN field is not valid UTF-8"},
      {b64(std::string("\0u\0p\xED\xA0\x80", 7)), "SASL PLAIN field is not valid UTF-8"},  // surrogate
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(testing::PrintToString(row.input));
    auto r = decode_sasl_plain(row.input);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_EQ(r.error().message, row.message);
  }
}

TEST(Pop3SaslPlain, LongestFieldsAccepted) {
  std::string raw = std::string(255, 'u') + '\0' + std::string(255, 'u') + '\0' + std::string(255, 'p');
  auto r = decode_sasl_plain(b64(raw));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->password.size(), 255u);
}

}  // namespace
}  // namespace sealmail::sasl

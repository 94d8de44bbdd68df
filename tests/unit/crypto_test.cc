#include <gtest/gtest.h>

#include <set>

#include "crypto/mailbox_key.h"
#include "crypto/password.h"
#include "crypto/sealed_box.h"
#include "crypto/secret.h"

namespace sealmail::crypto {
namespace {

TEST(SecretBuffer, MoveAndCompare) {
  auto a = SecretBuffer::from("correct horse");
  auto b = a.clone();
  EXPECT_TRUE(a.equals(b));
  SecretBuffer c = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_TRUE(c.equals(b));
  EXPECT_FALSE(c.equals(SecretBuffer::from("correct horsf")));
}

TEST(MailboxKey, DerivesThePbkdf2Sha256OfTheCipher) {
  // RFC 7914 §11's PBKDF2-HMAC-SHA256 vector uses 1 and 80000 iterations; the cipher's count is
  // 64007, so the expectation here was computed independently with Python's hashlib:
  // hashlib.pbkdf2_hmac('sha256', b'password', bytes(range(16)), 64007).hex()
  Salt salt;
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<uint8_t>(i);
  auto key = MailboxKey::derive(SecretBuffer::from("password"), salt);
  auto raw = key.raw_key_string();
  std::string s(raw.view());
  ASSERT_EQ(s.size(), 4u + 64u + 32u);
  EXPECT_EQ(s.substr(0, 4), "raw:");
  EXPECT_EQ(s.substr(4, 64), "223752a541d69bd21312fa07c041297433911e7229cfff9643727291444c3a08");
  EXPECT_EQ(s.substr(68), "000102030405060708090a0b0c0d0e0f");
}

TEST(Password, GeneratedPasswordsAreLongAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto p = generate_password();
    std::string s(p.view());
    ASSERT_EQ(s.size(), 35u);  // six groups of five, five dashes
    for (size_t j = 0; j < s.size(); ++j) {
      if (j % 6 == 5) {
        EXPECT_EQ(s[j], '-');
      } else {
        EXPECT_TRUE(std::string_view("abcdefghjkmnpqrstuvwxyz23456789").find(s[j]) != std::string_view::npos) << s;
      }
    }
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(SealedBox, OpensOnlyWithItsKey) {
  auto kp = generate_box_key_pair();
  auto other = generate_box_key_pair();
  std::string sealed = seal("meet me at noon", kp.public_key);
  EXPECT_EQ(sealed.find("noon"), std::string::npos);
  EXPECT_EQ(unseal(sealed, kp).value(), "meet me at noon");
  EXPECT_EQ(unseal(sealed, other).error().code, Errc::corrupt);
  sealed[sealed.size() / 2] ^= 1;
  EXPECT_FALSE(unseal(sealed, kp).ok());
  EXPECT_FALSE(unseal("short", kp).ok());
}

}  // namespace
}  // namespace sealmail::crypto

#include "crypto/password_hash.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "crypto/password.h"

namespace sealmail::crypto {
namespace {

TEST(PasswordHash, IsArgon2idAndVerifies) {
  auto password = generate_password();
  std::string hash = hash_password(password);
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$")) << hash;
  EXPECT_TRUE(is_password_hash(hash));
  EXPECT_TRUE(verify_password(hash, password));
  EXPECT_EQ(hash.find(std::string(password.view())), std::string::npos);
}

TEST(PasswordHash, WrongPasswordDoesNotVerify) {
  std::string hash = hash_password(SecretBuffer::from("correct horse battery staple"));
  EXPECT_FALSE(verify_password(hash, SecretBuffer::from("correct horse battery stapl")));
  EXPECT_FALSE(verify_password(hash, SecretBuffer::from("Correct horse battery staple")));
  EXPECT_FALSE(verify_password(hash, SecretBuffer()));
}

TEST(PasswordHash, SaltMakesEachHashDifferent) {
  auto password = SecretBuffer::from("same password");
  std::string a = hash_password(password);
  std::string b = hash_password(password);
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password(a, password));
  EXPECT_TRUE(verify_password(b, password));
}

TEST(PasswordHash, EmptyOrMalformedHashIsFalseNotAnError) {
  auto password = SecretBuffer::from("x");
  EXPECT_FALSE(verify_password("", password));
  EXPECT_FALSE(verify_password("$argon2id$", password));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$garbage", password));
  EXPECT_FALSE(verify_password("plaintext", password));
  EXPECT_FALSE(verify_password(std::string_view("$argon2id$\0v=19", 15), password));
  EXPECT_FALSE(is_password_hash(""));
  EXPECT_FALSE(is_password_hash("$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA"));
}

TEST(PasswordHash, EmptyPasswordStillHashes) {
  std::string hash = hash_password(SecretBuffer());
  EXPECT_TRUE(verify_password(hash, SecretBuffer()));
  EXPECT_FALSE(verify_password(hash, SecretBuffer::from("a")));
}

TEST(PasswordHash, NeedsRehashOnlyWhenParametersDiffer) {
  auto password = SecretBuffer::from("pw");
  EXPECT_FALSE(password_hash_needs_rehash(hash_password(password)));
  char weak[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(weak, "pw", 2, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
                                  crypto_pwhash_ALG_ARGON2ID13),
            0);
  EXPECT_TRUE(verify_password(weak, password));   // old hashes keep working...
  EXPECT_TRUE(password_hash_needs_rehash(weak));  // ...and can be upgraded at the next login
  EXPECT_TRUE(password_hash_needs_rehash("not a hash"));
}

}  // namespace
}  // namespace sealmail::crypto

// The DKIM-Signature field as a field: tags, h= with From over-signed, folding, the body hash of
// known bodies, and the errors. Whether the signature verifies is checked by an independent
// verifier (dkimpy) in test_dkim_dkimpy.py.
#include "smtp/outbound/dkim_signer.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <map>
#include <memory>
#include <string>

#include "crypto/dkim_key.h"
#include "smtp/outbound/dkim_canon.h"

namespace sealmail::smtp::outbound {
namespace {

DkimSigner make_signer(crypto::DkimAlgorithm alg, DkimOptions options = {}) {
  auto key = crypto::generate_dkim_key(alg);
  EXPECT_TRUE(key.ok());
  auto signer = DkimSigner::from_pem(key->private_pem, "example.com", "s1", std::move(options));
  EXPECT_TRUE(signer.ok()) << signer.error().message;
  return std::move(*signer);
}

// The tags of a signature field, unfolded, without WSP.
std::map<std::string, std::string> tags(const std::string& field) {
  std::string value = field.substr(field.find(':') + 1);
  std::string flat;
  for (char c : value)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') flat += c;
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < flat.size()) {
    size_t semi = flat.find(';', pos);
    if (semi == std::string::npos) semi = flat.size();
    std::string tag = flat.substr(pos, semi - pos);
    auto eq = tag.find('=');
    if (eq != std::string::npos) out[tag.substr(0, eq)] = tag.substr(eq + 1);
    pos = semi + 1;
  }
  return out;
}

const std::string kMessage =
    "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hi\r\nDate: Mon, 23 Nov 2026 10:00:00 "
    "+0000\r\nMessage-ID: <1@example.com>\r\nX-Unsigned: yes\r\n\r\nHello\r\n";

TEST(DkimSigner, TagsOfAnRsaSignature) {
  auto signer = make_signer(crypto::DkimAlgorithm::rsa2048);
  EXPECT_EQ(signer.key_type(), DkimKeyType::rsa);
  auto field = signer.sign(kMessage, 1795428000);
  ASSERT_TRUE(field.ok()) << field.error().message;
  ASSERT_EQ(field->rfind("DKIM-Signature:", 0), 0u);
  ASSERT_EQ(field->substr(field->size() - 2), "\r\n");
  auto t = tags(*field);
  EXPECT_EQ(t["v"], "1");
  EXPECT_EQ(t["a"], "rsa-sha256");
  EXPECT_EQ(t["c"], "relaxed/relaxed");
  EXPECT_EQ(t["d"], "example.com");
  EXPECT_EQ(t["s"], "s1");
  EXPECT_EQ(t["t"], "1795428000");
  // The usual set, in the configured order, From once more than present; X-Unsigned is not in it.
  EXPECT_EQ(t["h"], "from:from:subject:date:to:message-id");
  EXPECT_EQ(t["b"].size(), 344u);  // 256 bytes of RSA-2048 in base64
}

TEST(DkimSigner, TagsOfAnEd25519Signature) {
  auto signer = make_signer(crypto::DkimAlgorithm::ed25519);
  EXPECT_EQ(signer.key_type(), DkimKeyType::ed25519);
  auto field = signer.sign(kMessage, 1);
  ASSERT_TRUE(field.ok());
  auto t = tags(*field);
  EXPECT_EQ(t["a"], "ed25519-sha256");
  EXPECT_EQ(t["b"].size(), 88u);  // 64 bytes
}

TEST(DkimSigner, LinesAreFoldedWithinTheWidth) {
  auto signer = make_signer(crypto::DkimAlgorithm::rsa2048);
  auto field = signer.sign(kMessage, 1795428000);
  ASSERT_TRUE(field.ok());
  size_t pos = 0, lines = 0;
  while (pos < field->size()) {
    size_t eol = field->find("\r\n", pos);
    ASSERT_NE(eol, std::string::npos);
    EXPECT_LE(eol - pos, 78u) << field->substr(pos, eol - pos);
    if (pos > 0) {
      EXPECT_EQ((*field)[pos], '\t') << "a continuation line must start with WSP";
    }
    pos = eol + 2;
    ++lines;
  }
  EXPECT_GE(lines, 6u);  // 344 characters of b= alone take five lines
}

TEST(DkimSigner, SignsEveryOccurrenceAndOversignsFrom) {
  auto signer = make_signer(crypto::DkimAlgorithm::ed25519);
  std::string m = "From: a@example.com\r\nTo: x@example.net\r\nTo: y@example.net\r\nReceived: by x\r\n\r\nb\r\n";
  auto field = signer.sign(m, 1);
  ASSERT_TRUE(field.ok());
  EXPECT_EQ(tags(*field)["h"], "from:from:to:to");
}

TEST(DkimSigner, OversignListIsConfigurable) {
  DkimOptions options;
  options.oversign = {"From", "Subject"};
  auto signer = make_signer(crypto::DkimAlgorithm::ed25519, options);
  auto field = signer.sign(kMessage, 1);
  ASSERT_TRUE(field.ok());
  EXPECT_EQ(tags(*field)["h"], "from:from:subject:subject:date:to:message-id");
}

TEST(DkimSigner, BodyHashOfKnownBodies) {
  auto signer = make_signer(crypto::DkimAlgorithm::ed25519);
  // SHA-256 of the empty string: an empty body, or one of empty lines, canonicalizes to nothing.
  for (std::string body : {"", "\r\n", "\r\n \r\n\t\r\n"}) {
    auto field = signer.sign("From: a@example.com\r\n\r\n" + body, 1);
    ASSERT_TRUE(field.ok());
    EXPECT_EQ(tags(*field)["bh"], "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  }
  // "abc  " and an empty line after it are "abc\r\n" once canonical.
  auto field = signer.sign("From: a@example.com\r\n\r\nabc  \r\n\r\n", 1);
  ASSERT_TRUE(field.ok());
  unsigned char md[32];
  EVP_Digest("abc\r\n", 5, md, nullptr, EVP_sha256(), nullptr);
  std::string want(45, '\0');
  want.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(want.data()), md, 32)));
  EXPECT_EQ(tags(*field)["bh"], want);
}

TEST(DkimSigner, SameInputSameEd25519Signature) {
  // Ed25519 is deterministic: the same message and time sign the same, and bare LFs sign as CRLF
  // (the form the SMTP client sends).
  auto signer = make_signer(crypto::DkimAlgorithm::ed25519);
  std::string lf = kMessage;
  for (size_t p = 0; (p = lf.find("\r\n", p)) != std::string::npos;) lf.erase(p, 1);
  auto a = signer.sign(kMessage, 5);
  auto b = signer.sign(lf, 5);
  auto c = signer.sign(kMessage, 6);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(tags(*a)["b"], tags(*c)["b"]);  // t= is signed
}

TEST(DkimSigner, MessageWithoutFromIsRefused) {
  auto signer = make_signer(crypto::DkimAlgorithm::ed25519);
  auto field = signer.sign("To: b@example.net\r\n\r\nx\r\n", 1);
  ASSERT_FALSE(field.ok());
  EXPECT_EQ(field.error().code, Errc::invalid_argument);
  EXPECT_FALSE(signer.sign("From a@example.com\r\n\r\n", 1).ok());  // not a header section
}

TEST(DkimSigner, BadKeysAndNamesAreRefused) {
  auto ed = crypto::generate_dkim_key(crypto::DkimAlgorithm::ed25519);
  ASSERT_TRUE(ed.ok());
  EXPECT_FALSE(DkimSigner::from_pem("not a key", "example.com", "s").ok());
  EXPECT_FALSE(DkimSigner::from_pem(ed->private_pem, "exa mple.com", "s").ok());
  EXPECT_FALSE(DkimSigner::from_pem(ed->private_pem, "example.com", "s;x=1").ok());
  EXPECT_FALSE(DkimSigner::from_pem(ed->private_pem, "example.com", "").ok());
  EXPECT_FALSE(DkimSigner::from_pem(ed->private_pem, "-example.com", "s").ok());
  DkimOptions no_from;
  no_from.headers = {"subject"};
  EXPECT_FALSE(DkimSigner::from_pem(ed->private_pem, "example.com", "s", no_from).ok());

  // A P-256 key is a valid key, but not one DKIM signs with.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                         EVP_PKEY_free);
  ASSERT_TRUE(ec);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio.get(), ec.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* pem = nullptr;
  long len = BIO_get_mem_data(bio.get(), &pem);
  auto s = DkimSigner::from_pem(std::string(pem, static_cast<size_t>(len)), "example.com", "s");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::invalid_argument);

  // RFC 8301 §3.2: no RSA key under 1024 bits.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> small(EVP_RSA_gen(512), EVP_PKEY_free);
  ASSERT_TRUE(small);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio2(BIO_new(BIO_s_mem()), BIO_free);
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio2.get(), small.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  len = BIO_get_mem_data(bio2.get(), &pem);
  EXPECT_FALSE(DkimSigner::from_pem(std::string(pem, static_cast<size_t>(len)), "example.com", "s").ok());
}

}  // namespace
}  // namespace sealmail::smtp::outbound

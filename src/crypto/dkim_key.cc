#include "crypto/dkim_key.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <vector>

namespace sealmail::crypto {

namespace {

std::string base64(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace

Result<DkimKey> generate_dkim_key(DkimAlgorithm algorithm) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      algorithm == DkimAlgorithm::rsa2048 ? EVP_RSA_gen(2048) : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
      EVP_PKEY_free);
  if (!key) return make_error(Errc::internal, "DKIM key generation failed");
  DkimKey out{algorithm, {}, {}};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return make_error(Errc::internal, "DKIM key could not be written");
  char* pem = nullptr;
  long pem_len = BIO_get_mem_data(bio.get(), &pem);
  out.private_pem.assign(pem, static_cast<size_t>(pem_len));
  OPENSSL_cleanse(pem, static_cast<size_t>(pem_len));
  if (algorithm == DkimAlgorithm::rsa2048) {
    int len = i2d_PUBKEY(key.get(), nullptr);
    std::vector<unsigned char> der(static_cast<size_t>(len));
    unsigned char* p = der.data();
    i2d_PUBKEY(key.get(), &p);
    out.public_base64 = base64(der.data(), der.size());
  } else {
    unsigned char raw[32];
    size_t raw_len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key.get(), raw, &raw_len) != 1)
      return make_error(Errc::internal, "Ed25519 public key unavailable");
    out.public_base64 = base64(raw, raw_len);
  }
  return out;
}

std::string dkim_txt_record(const DkimKey& key) {
  return std::string("v=DKIM1; k=") + (key.algorithm == DkimAlgorithm::rsa2048 ? "rsa" : "ed25519") +
         "; p=" + key.public_base64;
}

}  // namespace sealmail::crypto

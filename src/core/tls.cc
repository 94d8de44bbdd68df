#include "core/tls.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

#include "core/fs.h"

namespace sealmail::net {

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return e == 0 ? "unknown OpenSSL error" : buf;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// The pairs loaded by reload_server_tls, by the context they replace: held in contexts of their
// own (kept for the life of the process, as the serving contexts are).
std::mutex reload_mutex;
std::map<SSL_CTX*, std::shared_ptr<SslContext>> reloaded;

// OpenSSL's certificate callback (called during each handshake, before the certificate is
// chosen): gives the connection the latest reloaded pair, if any.
int use_reloaded_pair(SSL* ssl, void*) {
  std::shared_ptr<SslContext> latest;
  {
    std::lock_guard lock(reload_mutex);
    auto it = reloaded.find(SSL_get_SSL_CTX(ssl));
    if (it == reloaded.end()) return 1;
    latest = it->second;
  }
  SSL_CTX* from = latest->native_handle();
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(from, &chain);
  return SSL_use_cert_and_key(ssl, SSL_CTX_get0_certificate(from), SSL_CTX_get0_privatekey(from), chain, 1) == 1 ? 1
                                                                                                                 : 0;
}

}  // namespace

Status reload_server_tls(SslContext& serving, const std::filesystem::path& certificate,
                         const std::filesystem::path& key) {
  auto fresh = make_server_tls(certificate, key);
  if (!fresh) return fresh.error();
  std::lock_guard lock(reload_mutex);
  reloaded[serving.native_handle()] = std::move(*fresh);
  return {};
}

Result<std::shared_ptr<SslContext>> make_server_tls(const std::filesystem::path& certificate,
                                                    const std::filesystem::path& key) {
  auto ctx = std::make_shared<SslContext>(SslContext::tls_server);
  ctx->set_options(SslContext::default_workarounds | SslContext::no_sslv2 | SslContext::no_sslv3 |
                   SslContext::no_tlsv1 | SslContext::no_tlsv1_1 | SslContext::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(certificate.string(), ec);
  if (ec)
    return make_error(Errc::invalid_argument,
                      "tls: cannot use certificate " + certificate.string() + ": " + ec.message());
  ctx->use_private_key_file(key.string(), SslContext::pem, ec);
  if (ec) return make_error(Errc::invalid_argument, "tls: cannot use key " + key.string() + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return make_error(Errc::invalid_argument, "tls: the key does not match the certificate");
  SSL_CTX_set_cert_cb(ctx->native_handle(), use_reloaded_pair, nullptr);
  return ctx;
}

Status ensure_self_signed(const std::filesystem::path& certificate, const std::filesystem::path& key,
                          const std::string& hostname) {
  std::error_code ec;
  if (std::filesystem::exists(certificate, ec) && std::filesystem::exists(key, ec)) return {};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!pkey) return make_error(Errc::internal, "tls: key generation failed: " + openssl_error());
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  uint8_t serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return make_error(Errc::internal, "tls: no randomness");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);
  X509_set_pubkey(cert.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(hostname.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  std::string san = "DNS:" + hostname + ",DNS:localhost,IP:127.0.0.1,IP:::1";
  for (auto [nid, value] :
       {std::pair{NID_subject_alt_name, san.c_str()}, std::pair{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair{NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    if (ext == nullptr) return make_error(Errc::internal, "tls: certificate extension failed: " + openssl_error());
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), pkey.get(), EVP_sha256()) == 0)
    return make_error(Errc::internal, "tls: signing failed: " + openssl_error());

  std::unique_ptr<BIO, BioFree> key_bio(BIO_new(BIO_s_mem())), cert_bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(key_bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  std::string key_pem = bio_string(key_bio.get());
  auto st = fs::write_file_durably(key, key_pem, 0600);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  if (!st) return st;
  return fs::write_file_durably(certificate, bio_string(cert_bio.get()), 0644);
}

}  // namespace sealmail::net

#include "delivery/auth/dkim_key.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/base64.h"
#include "delivery/auth/dns_answer.h"
#include "delivery/auth/tag_list.h"

namespace sealmail::delivery::auth {

std::optional<DkimAlgorithm> parse_dkim_algorithm(std::string_view a) {
  if (a == "rsa-sha256") return DkimAlgorithm::rsa_sha256;
  if (a == "ed25519-sha256") return DkimAlgorithm::ed25519_sha256;
  return std::nullopt;
}

std::string sha256_bytes(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  return std::string(reinterpret_cast<char*>(md), len);
}

std::optional<std::string> decode_base64_fws(std::string_view text) {
  std::string compact = strip_whitespace(text);
  if (compact.size() > 16384) return std::nullopt;
  return sasl::base64_decode(compact);
}

DkimKey parse_dkim_key_record(std::string_view txt, DkimAlgorithm algorithm) {
  DkimKey out;
  auto tags = parse_tag_list(txt);
  if (!tags) {
    out.reason = "key record syntax";
    return out;
  }
  if (auto v = tags->find("v"); v && (v->value != "DKIM1" || &tags->tags.front() != v)) {
    out.reason = "key record version";
    return out;
  }
  std::string_view k = "rsa";
  if (auto kt = tags->find("k")) k = kt->value;
  bool want_rsa = algorithm == DkimAlgorithm::rsa_sha256;
  if ((want_rsa && k != "rsa") || (!want_rsa && k != "ed25519")) {
    out.reason = "key type does not match the algorithm";
    return out;
  }
  if (auto h = tags->find("h")) {
    std::string list = strip_whitespace(h->value);
    bool sha256 = false;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t colon = list.find(':', pos);
      if (colon == std::string::npos) colon = list.size();
      if (list.substr(pos, colon - pos) == "sha256") sha256 = true;
      pos = colon + 1;
    }
    if (!sha256) {
      out.reason = "key does not allow sha256";
      return out;
    }
  }
  if (auto t = tags->find("t")) {
    std::string flags = strip_whitespace(t->value);
    size_t pos = 0;
    while (pos <= flags.size()) {
      size_t colon = flags.find(':', pos);
      if (colon == std::string::npos) colon = flags.size();
      if (flags.substr(pos, colon - pos) == "s") out.strict_identity = true;
      pos = colon + 1;
    }
  }
  auto p = tags->find("p");
  if (p == nullptr) {
    out.reason = "key record without p=";
    return out;
  }
  if (strip_whitespace(p->value).empty()) {
    out.status = DkimKey::Status::revoked;
    out.reason = "key revoked";
    return out;
  }
  auto der = decode_base64_fws(p->value);
  if (!der) {
    out.reason = "key is not base64";
    return out;
  }
  EVP_PKEY* key = nullptr;
  const auto* bytes = reinterpret_cast<const unsigned char*>(der->data());
  if (want_rsa) {
    const unsigned char* cursor = bytes;
    key = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der->size()));
    if (key == nullptr) {
      cursor = bytes;  // some publish the bare RSAPublicKey
      key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, static_cast<long>(der->size()));
    }
    if (key != nullptr && (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < 1024)) {
      EVP_PKEY_free(key);
      out.reason = "RSA key shorter than 1024 bits";  // RFC 8301 §3.2
      return out;
    }
  } else if (der->size() == 32) {
    key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes, 32);
  }
  if (key == nullptr) {
    out.reason = "key does not parse";
    return out;
  }
  out.key = std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
  out.status = DkimKey::Status::ok;
  return out;
}

boost::asio::awaitable<DkimKey> fetch_dkim_key(DnsRecords& dns, std::string selector, std::string domain,
                                               DkimAlgorithm algorithm) {
  auto looking = dns.lookup(selector + "._domainkey." + domain, kDnsTxt);
  DnsLookup found = co_await std::move(looking);
  DkimKey out;
  if (found.status == DnsLookup::Status::error) {
    out.status = DkimKey::Status::temperror;
    out.reason = "key lookup failed";
    co_return out;
  }
  if (found.status == DnsLookup::Status::none) {
    out.status = DkimKey::Status::none;
    out.reason = "no key";
    co_return out;
  }
  // §3.6.2.2: more than one record is undefined; use the first that parses.
  for (const auto& v : found.values) {
    out = parse_dkim_key_record(v, algorithm);
    if (out.status == DkimKey::Status::ok) break;
  }
  co_return out;
}

bool verify_dkim_signature(const DkimKey& key, DkimAlgorithm algorithm, std::string_view data,
                           std::string_view signature) {
  if (!key.key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx) return false;
  std::string digest;
  const EVP_MD* md = nullptr;
  if (algorithm == DkimAlgorithm::rsa_sha256) {
    md = EVP_sha256();
  } else {
    digest = sha256_bytes(data);
    data = digest;
  }
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace sealmail::delivery::auth

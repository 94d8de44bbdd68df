// The verifier's side of DKIM keys and signatures (RFC 6376 §3.6.1 key records, §3.3 and RFC 8463
// algorithms), shared by DKIM verification and ARC (RFC 8617, which uses the same keys and
// algorithms): the key record fetched at <selector>._domainkey.<domain>, and a signature check
// over OpenSSL 3.
//
// Rules it keeps:
// - rsa-sha256 with keys of 1024 bits or more, and ed25519-sha256; rsa-sha1 is refused (RFC 8301).
// - A key record with an empty p= is a revoked key (§3.6.1): the signature fails.
// - Ed25519 signs the SHA-256 digest of the data (RFC 8463 §3), RSA the data through SHA-256.
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "delivery/auth/dns_records.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace sealmail::delivery::auth {

enum class DkimAlgorithm { rsa_sha256, ed25519_sha256 };
std::optional<DkimAlgorithm> parse_dkim_algorithm(std::string_view a);

struct DkimKey {
  enum class Status { ok, none, temperror, permerror, revoked };
  Status status = Status::permerror;
  std::shared_ptr<EVP_PKEY> key;
  bool strict_identity = false;  // t=s
  std::string reason;
};

// Parses a key record's text (for tests and the fuzzer) and checks it suits `algorithm`.
DkimKey parse_dkim_key_record(std::string_view txt, DkimAlgorithm algorithm);

boost::asio::awaitable<DkimKey> fetch_dkim_key(DnsRecords& dns, std::string selector, std::string domain,
                                               DkimAlgorithm algorithm);

// Checks `signature` over `data` (the canonical headers as hashed, §3.7).
bool verify_dkim_signature(const DkimKey& key, DkimAlgorithm algorithm, std::string_view data,
                           std::string_view signature);

// SHA-256 of `data`, raw bytes.
std::string sha256_bytes(std::string_view data);

// Base64 with FWS inside (b=, bh=, p=); nullopt when not base64.
std::optional<std::string> decode_base64_fws(std::string_view text);

}  // namespace sealmail::delivery::auth

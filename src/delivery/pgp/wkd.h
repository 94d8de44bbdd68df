// Web Key Directory (draft-koch-openpgp-webkey-service-16): where a key of an address is served,
// and the lookup of one over HTTPS (libcurl).
//
// Rules kept:
// - The hashed local part: SHA-1 of the local part mapped to lower case (ASCII only, §3.1),
//   z-base-32 encoded (RFC 6189 §5.1.6): 32 characters.
// - Lookup tries the advanced method (https://openpgpkey.<domain>/.well-known/openpgpkey/<domain>/
//   hu/<hash>?l=<local>) and then the direct one (https://<domain>/.well-known/openpgpkey/hu/
//   <hash>?l=<local>), §3.1. Unlike GnuPG, any failure of the advanced method (no such host, a
//   refused connection, a status other than 200) falls back to the direct one: the key found is
//   checked for the address anyway.
// - HTTPS only, certificates verified, no redirects, a size limit and a time limit per request.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sealmail::delivery::pgp {

std::string zbase32(const uint8_t* data, size_t size);
// The WKD hash of a local part (case folded here).
std::string wkd_hash(std::string_view local_part);

// The [openpgp] table of config.toml (read here, like [backup], so that core/config.h stays as it
// is). Every key is optional.
struct WkdLookupOptions {
  std::string ca_file;              // wkd_ca_file: PEM bundle to verify servers against (default: the system's)
  std::string connect_to;           // wkd_connect_to "host:port": every lookup connects there (tests), TLS
                                    // still checks the certificate for the real host name
  uint32_t timeout_seconds = 10;    // wkd_timeout_seconds: per request, connection included
  uint32_t max_bytes = 256 * 1024;  // wkd_max_bytes: a larger answer is refused
};
Result<WkdLookupOptions> load_wkd_options(const std::optional<std::filesystem::path>& config_file);

// The URLs tried for `address` ("local@domain"), advanced method first.
std::vector<std::string> wkd_urls(std::string_view address);

// The first key served for `address` (the bytes as served: binary, or armored by some servers);
// not_found when neither method has one. The caller checks it (public_key.h).
Result<std::vector<uint8_t>> wkd_lookup(std::string_view address, const WkdLookupOptions& options);

}  // namespace sealmail::delivery::pgp

// Fetching an MTA-STS policy (RFC 8461 §3.3): GET https://mta-sts.<domain>/.well-known/mta-sts.txt
// with libcurl. Blocking: run it on a thread that may wait (MtaSts keeps its own).
//
// Rules (§3.3): the certificate must verify for mta-sts.<domain> (libcurl's default checks, never
// turned off); redirects are not followed; only 200 with a text/plain body counts; the body is
// bounded by kMaxPolicyBytes and the whole fetch by a timeout. The host name is resolved by us
// (our configured DNS servers, not the system's) and handed to libcurl with CURLOPT_RESOLVE, so
// tests reach a loopback HTTPS server named in their own zone; an address that is not public is
// refused (as for webhooks) unless private targets are allowed.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sealmail::delivery::mtasts {

struct FetchOptions {
  uint16_t port = 443;  // of mta-sts.<domain>; tests use their own
  std::string ca_file;  // extra trusted CAs (tests); empty: the system's only
  std::chrono::seconds timeout{20};
  bool allow_private_addresses = false;
};

struct FetchResult {
  std::optional<std::string> body;  // the policy text, when the fetch succeeded
  std::string error;                // why not, for an operator (never the domain)
};

FetchResult fetch_policy(const std::string& domain, const std::vector<boost::asio::ip::address>& addresses,
                         const FetchOptions& options);

}  // namespace sealmail::delivery::mtasts

// ARC (RFC 8617): verification of the chain an inbound message carries, and the set we add when
// we forward a message (ARC-Authentication-Results, ARC-Message-Signature, ARC-Seal), signed with
// the forwarding domain's DKIM key so that the next hop can trust the results we saw.
//
// Rules it keeps:
// - Verification (§5.2): every instance 1..N has exactly one field of each kind, N <= 50; the
//   newest seal's cv= is not "fail"; cv= of instance 1 is "none" and of the others "pass"; the
//   newest ARC-Message-Signature verifies as a DKIM signature would (§5.1.1.1); every ARC-Seal
//   verifies over the sets up to its own (§5.1.1.2, relaxed header canonicalization).
// - Sealing (§5.1): the next instance after a chain that is "pass" or "none"; after a failed
//   chain we seal with cv=fail (§5.1.2) so the next hop stops trusting it. The seal covers the
//   sets in instance order, our own last with an empty b=.
// - Results never carry message content.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "delivery/auth/dns_records.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace sealmail::delivery::auth {

enum class ArcResult { none, pass, fail };
const char* to_string(ArcResult r);

struct ArcCheck {
  ArcResult result = ArcResult::none;
  int instances = 0;   // N of the chain as received
  std::string reason;  // why a chain failed (for the header's comment)
};

// `message` with CRLF line endings.
boost::asio::awaitable<ArcCheck> verify_arc(DnsRecords& dns, std::string_view message);

class ArcSealer {
 public:
  // The domain's DKIM private key (PEM) with its selector; RSA or Ed25519.
  static Result<ArcSealer> from_file(const std::string& path, std::string domain, std::string selector);

  // The three fields (each ending in CRLF, seal first) to put in front of `message` (CRLF line
  // endings), as instance chain.instances + 1. `results` is the value of the AR field we wrote,
  // without its name.
  Result<std::string> seal(std::string_view message, const ArcCheck& chain, std::string_view results,
                           int64_t unix_time) const;

 private:
  ArcSealer(std::shared_ptr<EVP_PKEY> key, bool rsa, std::string domain, std::string selector);
  std::shared_ptr<EVP_PKEY> key_;
  bool rsa_ = true;
  std::string domain_, selector_;
};

}  // namespace sealmail::delivery::auth

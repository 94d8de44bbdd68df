// OpenPGP public keys of aliases (issue 9; RFC 4880 §11.1 transferable public keys), read and
// checked with RNP before the directory keeps them.
//
// What an alias's key must be (each refusal is one line that names the rule, never the address):
// - one primary key with its subkeys (armored or binary), at most kMaxKeyBytes;
// - no secret key material at all: a secret key is refused, never stored or "cleaned";
// - neither revoked nor expired, and valid (self-signatures check out) now;
// - able to encrypt: a valid subkey (or the primary) whose flags allow encryption;
// - a valid, unrevoked user id whose e-mail address is the alias's address (compared without
//   case: "Name <addr>" or a bare "addr"), as WKD requires of the keys it serves
//   (draft-koch-openpgp-webkey-service §3.1) and as clients expect of a key found for an address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sealmail::delivery::pgp {

inline constexpr size_t kMaxKeyBytes = size_t{1} << 20;

struct PublicKey {
  std::string fingerprint;      // upper-case hex of the primary key
  std::vector<uint8_t> binary;  // the key, its user ids and subkeys, in binary (what WKD serves)
  std::vector<std::string> user_ids;
  uint64_t valid_until = 0;  // Unix seconds; 0: does not expire
};

// Reads and checks `data` (an armored "PUBLIC KEY BLOCK" or binary packets) as the key of
// `address` at Unix time `now`. invalid_argument, with the reason, when it does not qualify.
Result<PublicKey> read_public_key(std::string_view data, std::string_view address);

// `binary` (as kept) in ASCII armor (RFC 4880 §6.2), lines ending in CRLF.
Result<std::string> armor_public_key(const std::vector<uint8_t>& binary);

}  // namespace sealmail::delivery::pgp

// SASL PLAIN (RFC 4616) as IMAP AUTHENTICATE (RFC 9051), POP3 AUTH (RFC 5034) and SMTP AUTH
// (RFC 4954) carry it: the client's response is
// base64(authzid NUL authcid NUL passwd).
//
// Checks, all strict because the bytes come from an unauthenticated client:
//   - canonical base64 (base64.h);
//   - exactly two NULs (RFC 4616 §2: the three fields are UTF8-SAFE, which excludes NUL);
//   - authcid and passwd non-empty; every field at most 255 octets (RFC 4616 §2 asks servers to
//     accept up to 255; sealmail's user names are addresses, at most 254 octets, and its
//     passwords are generated and short, so nothing legitimate is longer);
//   - every field well-formed UTF-8;
//   - authzid empty or equal to authcid: sealmail has no proxy authorisation (RFC 4616 §2 lets a
//     server refuse an authzid it does not allow).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sealmail::sasl {

struct PlainCredentials {
  std::string authzid;   // empty, or equal to authcid
  std::string authcid;   // the user name (for sealmail, the alias address)
  std::string password;  // secret: copy it to locked memory, then wipe()

  // Overwrites and clears all three fields.
  void wipe();
};

// Decodes and checks a PLAIN response given in base64 (the AUTH initial response, or the
// continuation line). Errors are Errc::invalid_argument with a message that quotes nothing of
// the input.
Result<PlainCredentials> decode_sasl_plain(std::string_view base64);

}  // namespace sealmail::sasl

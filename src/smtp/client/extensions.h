// The service extensions a server announced in its EHLO reply (RFC 5321 §4.1.1.1) that the client
// uses: STARTTLS (RFC 3207), SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531),
// PIPELINING (RFC 2920). Keywords are case-insensitive; unknown ones are ignored.
#pragma once

#include <cstdint>

#include "smtp/client/reply.h"

namespace sealmail::smtp::client {

struct Extensions {
  bool starttls = false;
  bool size = false;
  uint64_t max_size = 0;  // SIZE's parameter; 0: no limit announced
  bool eightbitmime = false;
  bool smtputf8 = false;
  bool pipelining = false;
};

// From a 250 reply to EHLO (the first line is the greeting, the others are keywords).
Extensions parse_extensions(const Reply& ehlo);

}  // namespace sealmail::smtp::client

// Passwords the server generates (DESIGN.md point 2): at least 128 bits of entropy, easy to type
// (lowercase letters and digits without look-alikes, in groups of five).
#pragma once

#include "crypto/secret.h"

namespace sealmail::crypto {

// 30 characters from a 31-symbol alphabet (148 bits), as six groups joined by '-'.
SecretBuffer generate_password();

}  // namespace sealmail::crypto

#include "crypto/password.h"

#include <sodium.h>

namespace sealmail::crypto {

namespace {
// No 0/o, 1/l/i: 31 symbols, 4.95 bits each; 30 of them give 148 bits.
constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
constexpr size_t kSymbols = sizeof kAlphabet - 1;
constexpr size_t kGroups = 6, kGroupLength = 5;
}  // namespace

SecretBuffer generate_password() {
  init();
  SecretBuffer out(kGroups * kGroupLength + kGroups - 1);
  size_t pos = 0;
  for (size_t g = 0; g < kGroups; ++g) {
    if (g > 0) out.data()[pos++] = '-';
    for (size_t i = 0; i < kGroupLength; ++i)
      out.data()[pos++] = static_cast<uint8_t>(kAlphabet[randombytes_uniform(static_cast<uint32_t>(kSymbols))]);
  }
  return out;
}

}  // namespace sealmail::crypto

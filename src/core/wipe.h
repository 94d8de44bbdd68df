// Wiping secrets held in std::string (PASS and LOGIN arguments, SASL responses, decoded credentials).
// The protocol layer links core only, so it cannot use crypto::SecretBuffer; the server copies a
// secret into a SecretBuffer as soon as it takes it from a Command and wipes the string here.
#pragma once

#include <cstddef>
#include <string>

namespace sealmail::sasl {

// Overwrites every byte the string owns (its whole capacity, not only its size) in a way the
// compiler may not elide, then leaves it empty. Bytes of a short string kept inside the object
// (small-string optimisation) are covered too; copies the string was moved or copied from are not,
// which is why the parser allocates secrets on the heap (see command.h).
void wipe(std::string& s);

// Overwrites `size` bytes at `data` in a way the compiler may not elide.
void wipe_bytes(void* data, size_t size);

}  // namespace sealmail::sasl

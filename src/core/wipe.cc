#include "core/wipe.h"

#include <openssl/crypto.h>

namespace sealmail::sasl {

void wipe(std::string& s) {
  // resize() to the capacity writes '\0' over the bytes past size() through the standard
  // interface (writing past size() directly would be undefined); OPENSSL_cleanse then covers the
  // whole buffer with a write the optimiser keeps.
  s.resize(s.capacity());
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

void wipe_bytes(void* data, size_t size) {
  if (size > 0) OPENSSL_cleanse(data, size);
}

}  // namespace sealmail::sasl

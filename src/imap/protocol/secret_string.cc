// SecretString and wipe_string (command.h).
#include <openssl/crypto.h>

#include "imap/protocol/command.h"

namespace sealmail::imap {

void wipe_string(std::string& s) {
  // Fill the whole capacity, not just size(): a string that shrank keeps old bytes past its end.
  s.resize(s.capacity());
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

SecretString::SecretString(std::string&& value) : value_(std::move(value)) { wipe_string(value); }

SecretString::SecretString(const SecretString& other) : value_(other.value_) {}

SecretString::SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
  wipe_string(other.value_);
}

SecretString& SecretString::operator=(const SecretString& other) {
  if (this != &other) {
    wipe_string(value_);
    value_ = other.value_;
  }
  return *this;
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    wipe_string(value_);
    value_ = std::move(other.value_);
    wipe_string(other.value_);
  }
  return *this;
}

SecretString::~SecretString() { wipe_string(value_); }

void SecretString::wipe() { wipe_string(value_); }

}  // namespace sealmail::imap

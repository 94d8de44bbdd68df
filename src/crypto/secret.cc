#include "crypto/secret.h"

#include <sodium.h>

#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

namespace sealmail::crypto {

void init() {
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium failed to initialise");
}

SecretBuffer::SecretBuffer(size_t size) : size_(size) {
  init();
  // sodium_malloc(0) is valid but returns a guard page; keep one byte so data() is never null.
  data_ = static_cast<uint8_t*>(sodium_malloc(size == 0 ? 1 : size));
  if (data_ == nullptr) throw std::bad_alloc();
  std::memset(data_, 0, size == 0 ? 1 : size);
}

SecretBuffer SecretBuffer::from(std::string_view bytes) {
  SecretBuffer s(bytes.size());
  if (!bytes.empty()) std::memcpy(s.data_, bytes.data(), bytes.size());
  return s;
}

SecretBuffer::~SecretBuffer() {
  if (data_ != nullptr) sodium_free(data_);  // zeroes before freeing
}

SecretBuffer::SecretBuffer(SecretBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBuffer SecretBuffer::clone() const { return from(view()); }

bool SecretBuffer::equals(const SecretBuffer& other) const {
  if (size_ != other.size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data_, size_) == 0;
}

void wipe(void* data, size_t size) { sodium_memzero(data, size); }

void random_bytes(std::span<uint8_t> out) {
  init();
  randombytes_buf(out.data(), out.size());
}

}  // namespace sealmail::crypto

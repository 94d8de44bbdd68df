// Memory for secrets (passwords, derived keys): allocated with libsodium's sodium_malloc, so it is
// locked (never swapped), guarded, excluded from core dumps where the kernel allows, and zeroed
// when freed. Copying is explicit (clone()) so that no secret is duplicated by accident.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sealmail::crypto {

// Must be called once before any other crypto call (idempotent, thread-safe).
void init();

class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(size_t size);
  static SecretBuffer from(std::string_view bytes);
  ~SecretBuffer();
  SecretBuffer(SecretBuffer&& other) noexcept;
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;

  SecretBuffer clone() const;
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
  // Constant-time comparison.
  bool equals(const SecretBuffer& other) const;

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Zeroes memory that held a secret outside a SecretBuffer (e.g. an I/O buffer).
void wipe(void* data, size_t size);

void random_bytes(std::span<uint8_t> out);

}  // namespace sealmail::crypto

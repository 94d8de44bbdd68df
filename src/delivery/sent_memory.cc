#include "delivery/sent_memory.h"

#include <openssl/evp.h>

#include <string>

namespace sealmail::delivery {

Digest sha256(std::string_view bytes) {
  Digest d{};
  unsigned len = 0;
  EVP_Digest(bytes.data(), bytes.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

Digest SentMemory::key_of(const Digest& message, std::string_view target) {
  std::string data(reinterpret_cast<const char*>(message.data()), message.size());
  for (char c : target) data += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return sha256(data);
}

void SentMemory::expire_locked(std::chrono::steady_clock::time_point now) {
  while (!order_.empty() && (now - order_.front().first > keep_for_ || order_.size() > capacity_)) {
    keys_.erase(order_.front().second);
    order_.pop_front();
  }
}

bool SentMemory::contains(const Digest& message, std::string_view target) {
  auto key = key_of(message, target);
  std::lock_guard lock(mutex_);
  expire_locked(now_());
  return keys_.count(key) != 0;
}

void SentMemory::remember(const Digest& message, std::string_view target) {
  auto key = key_of(message, target);
  std::lock_guard lock(mutex_);
  auto now = now_();
  if (keys_.insert(key).second) order_.emplace_back(now, key);
  expire_locked(now);
}

size_t SentMemory::size() {
  std::lock_guard lock(mutex_);
  expire_locked(now_());
  return keys_.size();
}

}  // namespace sealmail::delivery

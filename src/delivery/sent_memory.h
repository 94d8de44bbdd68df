// Which forward targets already accepted a message, so that a sender retrying after our 4xx does
// not make them receive it twice. Keyed by SHA-256(SHA-256(message) || lowercased target), so the
// table holds neither addresses nor content; in memory only (forwarded mail leaves nothing on
// disk), for a retry window, and bounded: beyond `capacity` entries the oldest go first.
//
// Thread-safe: forwards to different domains run concurrently.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string_view>

namespace sealmail::delivery {

using Digest = std::array<uint8_t, 32>;

Digest sha256(std::string_view bytes);

class SentMemory {
 public:
  SentMemory(std::chrono::seconds keep_for, size_t capacity) : keep_for_(keep_for), capacity_(capacity) {}

  bool contains(const Digest& message, std::string_view target);
  void remember(const Digest& message, std::string_view target);
  size_t size();

  // For tests: what "now" is (steady clock by default).
  void set_clock_for_testing(std::chrono::steady_clock::time_point (*now)()) { now_ = now; }

 private:
  static Digest key_of(const Digest& message, std::string_view target);
  void expire_locked(std::chrono::steady_clock::time_point now);

  std::chrono::seconds keep_for_;
  size_t capacity_;
  std::chrono::steady_clock::time_point (*now_)() = &std::chrono::steady_clock::now;
  std::mutex mutex_;
  std::set<Digest> keys_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, Digest>> order_;  // oldest first
};

}  // namespace sealmail::delivery

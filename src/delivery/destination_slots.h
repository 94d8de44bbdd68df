// Per-destination concurrency for the outbound queue (issue 8): at most `per_destination` SMTP
// sessions at once to one recipient domain (Postfix's destination concurrency limit). A delivery
// holds a slot only while it talks to the domain's hosts, not while it loads the entry or looks
// up DNS, so a slot is never idle while others wait.
//
// Waiting is event-driven, first come first served: each domain has a channel holding its free
// slots as tokens; acquire() receives one (waiting in line when there is none) and release() puts
// it back, which resumes the next waiter at once (no polling). Thread-safe; a domain's entry is
// dropped when nobody holds or waits for its slots.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace sealmail::delivery {

class DestinationSlots {
 public:
  explicit DestinationSlots(size_t per_destination) : per_destination_(per_destination > 0 ? per_destination : 1) {}

  // Returns once the caller holds one of the domain's slots; it must call release() once after.
  boost::asio::awaitable<void> acquire(std::string domain);
  void release(const std::string& domain);
  // Slots held now for `domain` (for tests and metrics).
  size_t held(const std::string& domain) const;

  // RAII: releases the slot when it goes out of scope (a delivery that ends by exception too).
  class Held {
   public:
    Held(DestinationSlots& slots, std::string domain) : slots_(&slots), domain_(std::move(domain)) {}
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() { slots_->release(domain_); }

   private:
    DestinationSlots* slots_;
    std::string domain_;
  };

 private:
  using Tokens = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  struct Domain {
    std::shared_ptr<Tokens> tokens;
    size_t users = 0;  // holders and waiters
    size_t held = 0;
  };

  const size_t per_destination_;
  mutable std::mutex mutex_;
  std::map<std::string, Domain> domains_;
};

}  // namespace sealmail::delivery

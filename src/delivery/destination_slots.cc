#include "delivery/destination_slots.h"

namespace sealmail::delivery {

namespace asio = boost::asio;

asio::awaitable<void> DestinationSlots::acquire(std::string domain) {
  auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<Tokens> tokens;
  {
    std::lock_guard lock(mutex_);
    auto& d = domains_[domain];
    if (!d.tokens) {
      d.tokens = std::make_shared<Tokens>(executor, per_destination_);
      for (size_t i = 0; i < per_destination_; ++i) d.tokens->try_send(boost::system::error_code());
    }
    ++d.users;
    tokens = d.tokens;
  }
  // The channel is never closed while a user counts on it (release() drops it only at users 0).
  auto receiving = tokens->async_receive(asio::as_tuple(asio::use_awaitable));
  co_await std::move(receiving);
  std::lock_guard lock(mutex_);
  ++domains_[domain].held;
}

void DestinationSlots::release(const std::string& domain) {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(domain);
  if (it == domains_.end()) return;
  if (it->second.held > 0) --it->second.held;
  // Capacity per_destination: the token always fits (one per holder came out of it).
  it->second.tokens->try_send(boost::system::error_code());
  if (--it->second.users == 0) domains_.erase(it);
}

size_t DestinationSlots::held(const std::string& domain) const {
  std::lock_guard lock(mutex_);
  auto it = domains_.find(domain);
  return it == domains_.end() ? 0 : it->second.held;
}

}  // namespace sealmail::delivery

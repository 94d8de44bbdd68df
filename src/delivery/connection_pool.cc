#include "delivery/connection_pool.h"

#include "core/hex.h"

namespace sealmail::delivery {

namespace asio = boost::asio;
using smtp::client::Session;

namespace {

// QUIT and close, as a coroutine function of its own (not a capturing lambda: GCC 12).
asio::awaitable<void> quit(std::shared_ptr<Session> session) {
  auto quitting = session->quit();
  co_await std::move(quitting);
}

}  // namespace

ConnectionPool::ConnectionPool(size_t max_messages, std::chrono::milliseconds idle_timeout)
    : max_messages_(max_messages), idle_timeout_(idle_timeout) {}

std::string ConnectionPool::key(const asio::ip::tcp::endpoint& endpoint, const std::string& server_name,
                                const smtp::client::Security& security) {
  std::string k = endpoint.address().to_string() + " " + std::to_string(endpoint.port()) + " " + server_name;
  k += " tls=" + std::to_string(security.tls ? static_cast<int>(*security.tls) : -1);
  k += " verify=" + std::to_string(security.verify_certificate ? static_cast<int>(*security.verify_certificate) : -1);
  if (security.check_certificate) k += " check";
  for (const auto& t : security.tlsa)
    k += " " + std::to_string(t.usage) + "/" + std::to_string(t.selector) + "/" + std::to_string(t.matching) + "/" +
         to_hex(std::span<const uint8_t>(t.data.data(), t.data.size()));
  return k;
}

std::unique_ptr<Session> ConnectionPool::take(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  auto range = idle_.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) {
    if (now - it->second.since >= idle_timeout_) continue;  // sweep() ends it
    auto session = std::move(it->second.session);
    idle_.erase(it);
    return session;
  }
  return nullptr;
}

void ConnectionPool::end(std::unique_ptr<Session> session, const asio::any_io_executor& executor) {
  if (!session) return;
  if (!session->reusable()) return;  // the destructor closes the socket
  asio::co_spawn(executor, quit(std::shared_ptr<Session>(std::move(session))), asio::detached);
}

void ConnectionPool::give(const std::string& key, std::unique_ptr<Session> session,
                          const asio::any_io_executor& executor) {
  if (!session) return;
  if (!session->reusable() || session->messages() >= max_messages_ || idle_timeout_.count() == 0) {
    end(std::move(session), executor);
    return;
  }
  std::lock_guard lock(mutex_);
  idle_.emplace(key, Idle{std::move(session), std::chrono::steady_clock::now()});
}

void ConnectionPool::sweep(const asio::any_io_executor& executor, bool all) {
  std::vector<std::unique_ptr<Session>> expired;
  {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (all || now - it->second.since >= idle_timeout_) {
        expired.push_back(std::move(it->second.session));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : expired) end(std::move(s), executor);
}

size_t ConnectionPool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

}  // namespace sealmail::delivery

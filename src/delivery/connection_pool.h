// Connection reuse for the outbound queue (issue 8): SMTP sessions left open after a message, to
// carry the next message to the same host (Postfix's connection cache, mox's "delivery to the
// same host"). A session is kept by its key: the address and port, the host name it was opened
// for, and what the destination demanded of it (security_key: an MTA-STS or DANE session is only
// ever reused for a destination that demands the same).
//
// Rules: a session carries at most max_messages transactions (then QUIT); an idle session is
// closed after idle_timeout (sweep(), called by the scheduler's tick); only a session whose last
// transaction ended with a reply is kept (smtp::client::Session::reusable). Thread-safe.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "smtp/client/client.h"

namespace sealmail::delivery {

class ConnectionPool {
 public:
  ConnectionPool(size_t max_messages, std::chrono::milliseconds idle_timeout);

  static std::string key(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& server_name,
                         const smtp::client::Security& security);

  // An idle session for `key`, or null.
  std::unique_ptr<smtp::client::Session> take(const std::string& key);
  // Keeps the session for the next message, or ends it (QUIT on `executor` when it is still
  // usable, a close otherwise).
  void give(const std::string& key, std::unique_ptr<smtp::client::Session> session,
            const boost::asio::any_io_executor& executor);
  // Ends the sessions idle for longer than the timeout (all of them when `all`).
  void sweep(const boost::asio::any_io_executor& executor, bool all = false);
  size_t idle() const;

 private:
  struct Idle {
    std::unique_ptr<smtp::client::Session> session;
    std::chrono::steady_clock::time_point since;
  };
  static void end(std::unique_ptr<smtp::client::Session> session, const boost::asio::any_io_executor& executor);

  const size_t max_messages_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::multimap<std::string, Idle> idle_;
};

}  // namespace sealmail::delivery

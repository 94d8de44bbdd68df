// A TCP listener for the line protocols (IMAP, POP3, SMTP): accepts, asks the caller whether to
// admit the client (connections per IP), and runs one coroutine per connection on its own strand
// (STYLE.md "Boost.Beast / Asio"). Exceptions that escape a session are logged, never fatal.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/connection.h"
#include "core/runtime.h"

namespace sealmail::net {

class Listener {
 public:
  using Handler = std::function<asio::awaitable<void>(std::shared_ptr<Connection>)>;
  // Returns a token held for the life of the session (e.g. a connection-limit ticket), or null to
  // refuse the client (its socket is closed at once).
  using Admit = std::function<std::shared_ptr<void>(const std::string& ip)>;
  // Tells a refused client why, in its protocol (IMAP: "* BYE [UNAVAILABLE] ..."; over TLS after
  // the handshake), within its own short timeouts; the connection is closed afterwards. Without
  // it, or while kMaxRefusing refusals are under way, a refused socket is closed at once (the
  // client then sees a reset, with no reason given).
  using Refuse = std::function<asio::awaitable<void>(std::shared_ptr<Connection>)>;
  static constexpr int kMaxRefusing = 32;

  Listener(Runtime& runtime, Endpoint endpoint, std::string name, Handler handler, Admit admit = {},
           Refuse refuse = {});
  ~Listener();
  // Binds and starts accepting; an address in use or a bad address is an error here.
  Status start();
  // Stops accepting and closes every open connection (their sessions then end).
  void stop();
  uint16_t port() const;
  size_t open_connections() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// The Handler of a protocol whose sessions are `Session(context, connection)` with a `run()`
// coroutine: IMAP, POP3 and SMTP. A coroutine function, not a capturing coroutine lambda (GCC 12
// destroys the captures of a lambda coroutine twice under co_spawn).
template <typename Session, typename Context>
asio::awaitable<void> run_session(std::shared_ptr<Context> context, std::shared_ptr<Connection> connection) {
  auto session = std::make_shared<Session>(std::move(context), std::move(connection));
  auto work = session->run();
  co_await std::move(work);
}

// A Refuse for a protocol that says why in one line (IMAP "* BYE [UNAVAILABLE] ...", POP3
// "-ERR [SYS/TEMP] ...", SMTP "421 4.7.0 ..."): on an implicit-TLS listener (`implicit_tls` not
// null) after the handshake; each step within 10 s.
asio::awaitable<void> refuse_with_line(std::shared_ptr<Connection> connection,
                                       std::shared_ptr<asio::ssl::context> implicit_tls, std::string line);

}  // namespace sealmail::net

#include "imap/server/server.h"

#include "imap/server/session.h"

namespace sealmail::imap {

namespace {

// A client over the per-IP connection limit is told so, as a greeting (RFC 9051 §7.1.5: BYE may
// be the greeting; RFC 5530 UNAVAILABLE), over TLS on an implicit-TLS listener.
asio::awaitable<void> refuse(std::shared_ptr<ServerContext> context, std::shared_ptr<net::Connection> connection) {
  constexpr auto kTimeout = std::chrono::seconds(10);
  if (context->options.implicit_tls) {
    if (!context->tls) co_return;
    auto handshake = connection->start_tls(*context->tls, kTimeout);
    if (co_await std::move(handshake)) co_return;
  }
  auto bye = connection->write("* BYE [UNAVAILABLE] Too many connections from your address\r\n", kTimeout);
  co_await std::move(bye);
}

}  // namespace

Server::Server(std::shared_ptr<ServerContext> context, Endpoint endpoint)
    : context_(std::make_shared<Snapshot<ServerContext>>(context)),
      listener_(
          context->runtime, std::move(endpoint), context->options.listener,
          [current = context_](std::shared_ptr<net::Connection> c) {
            return net::run_session<Session>(current->get(), std::move(c));
          },
          [current = context_](const std::string& ip) -> std::shared_ptr<void> {
            auto now = current->get();
            auto ticket = now->connections->try_acquire("imap:" + ip, now->options.max_connections_per_ip);
            if (!ticket) return nullptr;
            return std::make_shared<directory::ConnectionLimiter::Ticket>(std::move(*ticket));
          },
          [current = context_](std::shared_ptr<net::Connection> c) { return refuse(current->get(), std::move(c)); }) {}

Status Server::start() { return listener_.start(); }
void Server::stop() { listener_.stop(); }

}  // namespace sealmail::imap

#include "imap/server/server.h"

#include "imap/server/session.h"

namespace sealmail::imap {

namespace {

// A client over the per-IP connection limit is told so, as a greeting (RFC 9051 §7.1.5: BYE may
// be the greeting; RFC 5530 UNAVAILABLE), over TLS on an implicit-TLS listener.
asio::awaitable<void> refuse(std::shared_ptr<ServerContext> context, std::shared_ptr<net::Connection> connection) {
  auto said = net::refuse_with_line(std::move(connection), context->options.implicit_tls ? context->tls : nullptr,
                                    "* BYE [UNAVAILABLE] Too many connections from your address\r\n");
  co_await std::move(said);
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

#include "pop3/server/server.h"

#include "pop3/server/session.h"

namespace sealmail::pop3 {

namespace {

asio::awaitable<void> refuse(std::shared_ptr<ServerContext> context, std::shared_ptr<net::Connection> connection) {
  // RFC 2449 §8, RFC 3206: SYS/TEMP, a temporary condition.
  auto said = net::refuse_with_line(std::move(connection), context->options.implicit_tls ? context->tls : nullptr,
                                    "-ERR [SYS/TEMP] Too many connections from your address\r\n");
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
            auto ticket = now->connections->try_acquire("pop3:" + ip, now->options.max_connections_per_ip);
            if (!ticket) return nullptr;
            return std::make_shared<directory::ConnectionLimiter::Ticket>(std::move(*ticket));
          },
          [current = context_](std::shared_ptr<net::Connection> c) { return refuse(current->get(), std::move(c)); }) {}

Status Server::start() { return listener_.start(); }
void Server::stop() { listener_.stop(); }

}  // namespace sealmail::pop3

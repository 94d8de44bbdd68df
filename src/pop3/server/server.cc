#include "pop3/server/server.h"

#include "pop3/server/session.h"

namespace sealmail::pop3 {

namespace {

// A coroutine function, not a capturing coroutine lambda (GCC 12 destroys the captures of a
// lambda coroutine twice under co_spawn).
asio::awaitable<void> serve_connection(std::shared_ptr<ServerContext> context,
                                       std::shared_ptr<net::Connection> connection) {
  auto session = std::make_shared<Session>(context, connection);
  auto work = session->run();
  co_await std::move(work);
}

}  // namespace

Server::Server(std::shared_ptr<ServerContext> context, Endpoint endpoint)
    : context_(context),
      listener_(
          context->runtime, std::move(endpoint), context->options.listener,
          [context](std::shared_ptr<net::Connection> c) { return serve_connection(context, std::move(c)); },
          [context](const std::string& ip) -> std::shared_ptr<void> {
            auto ticket = context->connections->try_acquire("pop3:" + ip, context->options.max_connections_per_ip);
            if (!ticket) return nullptr;
            return std::make_shared<directory::ConnectionLimiter::Ticket>(std::move(*ticket));
          }) {}

Status Server::start() { return listener_.start(); }
void Server::stop() { listener_.stop(); }

}  // namespace sealmail::pop3

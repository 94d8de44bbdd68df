#include "imap/server/server.h"

#include "imap/server/session.h"

namespace sealmail::imap {

namespace {

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
            auto ticket = context->connections->try_acquire("imap:" + ip, context->options.max_connections_per_ip);
            if (!ticket) return nullptr;
            return std::make_shared<directory::ConnectionLimiter::Ticket>(std::move(*ticket));
          }) {}

Status Server::start() { return listener_.start(); }
void Server::stop() { listener_.stop(); }

}  // namespace sealmail::imap

#include "pop3/server/server.h"

#include "pop3/server/session.h"

namespace sealmail::pop3 {

Server::Server(std::shared_ptr<ServerContext> context, Endpoint endpoint)
    : context_(context),
      listener_(
          context->runtime, std::move(endpoint), context->options.listener,
          [context](std::shared_ptr<net::Connection> c) { return net::run_session<Session>(context, std::move(c)); },
          [context](const std::string& ip) -> std::shared_ptr<void> {
            auto ticket = context->connections->try_acquire("pop3:" + ip, context->options.max_connections_per_ip);
            if (!ticket) return nullptr;
            return std::make_shared<directory::ConnectionLimiter::Ticket>(std::move(*ticket));
          }) {}

Status Server::start() { return listener_.start(); }
void Server::stop() { listener_.stop(); }

}  // namespace sealmail::pop3

#include "smtp/server/server.h"

#include "smtp/server/session.h"

namespace sealmail::smtp {

Server::Server(std::shared_ptr<ServerContext> context, Endpoint endpoint)
    : context_(context),
      listener_(context->runtime, std::move(endpoint), context->options.listener,
                [context](std::shared_ptr<net::Connection> c) { return net::run_session<Session>(context, std::move(c)); },
                context->admit) {}

Status Server::start() { return listener_.start(); }
void Server::stop() { listener_.stop(); }

}  // namespace sealmail::smtp

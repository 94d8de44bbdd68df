#include "smtp/server/server.h"

#include "smtp/server/session.h"

namespace sealmail::smtp {

Server::Server(std::shared_ptr<ServerContext> context, Endpoint endpoint)
    : context_(std::make_shared<Snapshot<ServerContext>>(context)),
      listener_(
          context->runtime, std::move(endpoint), context->options.listener,
          [current = context_](std::shared_ptr<net::Connection> c) {
            return net::run_session<Session>(current->get(), std::move(c));
          },
          [current = context_](const std::string& ip) -> std::shared_ptr<void> {
            auto now = current->get();
            return now->admit ? now->admit(ip) : std::make_shared<int>(0);
          }) {}

Status Server::start() { return listener_.start(); }
void Server::stop() { listener_.stop(); }

}  // namespace sealmail::smtp

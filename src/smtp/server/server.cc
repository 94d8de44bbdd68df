#include "smtp/server/server.h"

#include "smtp/server/session.h"

namespace sealmail::smtp {

namespace {

asio::awaitable<void> refuse(std::shared_ptr<ServerContext> context, std::shared_ptr<net::Connection> connection) {
  // RFC 5321 §3.1: 421 at the greeting, the service is not available to it now.
  auto said = net::refuse_with_line(std::move(connection), context->options.implicit_tls ? context->tls : nullptr,
                                    "421 4.7.0 Too many connections from your address\r\n");
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
            return now->admit ? now->admit(ip) : std::make_shared<int>(0);
          },
          [current = context_](std::shared_ptr<net::Connection> c) { return refuse(current->get(), std::move(c)); }) {}

Status Server::start() { return listener_.start(); }
void Server::stop() { listener_.stop(); }

}  // namespace sealmail::smtp

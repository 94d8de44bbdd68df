// The admin listener's HTTP/1.1 server (Boost.Beast): one coroutine per connection, bounded
// request sizes, per-request timeouts, keep-alive. Routing is a function the caller gives.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/runtime.h"
#include "directory/rate_limiter.h"

namespace sealmail::admin {

struct HttpRequest {
  std::string method;
  std::string target;         // path and query
  std::string authorization;  // the Authorization header, if any
  std::string body;
  std::string client_ip;
  std::string host;  // the Host header (WKD's direct method names the domain only there)
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  int retry_after_seconds = 0;  // sent as Retry-After when set
};

using HttpHandler = std::function<net::asio::awaitable<HttpResponse>(HttpRequest)>;

class HttpServer {
 public:
  // Connections beyond `max_connections_per_ip` from one address are closed at once.
  HttpServer(net::Runtime& runtime, Endpoint endpoint, HttpHandler handler, size_t max_connections_per_ip = 64);
  ~HttpServer();
  // Binds and starts accepting; an address in use or a bad address is an error here.
  Status start();
  // Stops accepting and closes open connections.
  void stop();
  uint16_t port() const;
  // SIGHUP: the limit for connections accepted from now on.
  void set_max_connections_per_ip(size_t max);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace sealmail::admin

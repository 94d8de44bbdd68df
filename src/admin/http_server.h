// The admin listener's HTTP/1.1 server (Boost.Beast): one coroutine per connection, bounded
// request sizes, per-request timeouts, keep-alive. Routing is a function the caller gives.
//
// With a TLS context, one port serves both: the first bytes of a connection tell a TLS
// ClientHello from plain HTTP (Beast's detect_ssl, as in its "flex" server example), so the
// bearer-token API keeps working over plain HTTP on loopback while the account web page, whose
// cookies are Secure, is served over HTTPS with the certificate every other listener presents.
// Asio's ssl::stream (not core/tls_stream.h, which is not an Asio stream Beast can drive): admin
// connections are few, so its per-connection buffers do not matter here.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/runtime.h"
#include "core/tls.h"
#include "directory/rate_limiter.h"

namespace sealmail::admin {

struct HttpRequest {
  std::string method;
  std::string target;         // path and query
  std::string authorization;  // the Authorization header, if any
  std::string body;
  std::string client_ip;
  std::string host;     // the Host header (WKD's direct method names the domain only there)
  bool secure = false;  // arrived over TLS
  // The few other headers the handlers look at, by lowercase name (see http_server.cc):
  // cookie, origin, host, content-type, x-csrf-token, sec-fetch-site.
  std::map<std::string, std::string> headers;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A file that is removed when the last response holding it is gone: downloads (backups, exports)
// are made as temporary files and streamed from there, never read whole into memory.
struct TemporaryFile {
  std::filesystem::path path;
  explicit TemporaryFile(std::filesystem::path p) : path(std::move(p)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile();
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  int retry_after_seconds = 0;                               // sent as Retry-After when set
  std::vector<std::pair<std::string, std::string>> headers;  // more headers (Set-Cookie, CSP, Location...)
  std::shared_ptr<TemporaryFile> body_file;                  // when set, the body is this file's bytes
};

using HttpHandler = std::function<net::asio::awaitable<HttpResponse>(HttpRequest)>;

class HttpServer {
 public:
  // Connections beyond `max_connections_per_ip` from one address are closed at once. With `tls`,
  // connections that open with a TLS handshake are served over TLS (see above).
  HttpServer(net::Runtime& runtime, Endpoint endpoint, HttpHandler handler, size_t max_connections_per_ip = 64,
             std::shared_ptr<net::SslContext> tls = nullptr);
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

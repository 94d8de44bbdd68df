#include "admin/http_server.h"

#include <atomic>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <set>

#include "core/log.h"
#include "core/metrics.h"

namespace sealmail::admin {

namespace asio = net::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr size_t kMaxBody = 1 << 20;
constexpr size_t kMaxHeader = 16 << 10;
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

// The headers handlers may read (HttpRequest::headers); the rest are not copied.
constexpr http::field kPassedHeaders[] = {http::field::cookie, http::field::origin, http::field::host,
                                          http::field::content_type};
constexpr const char* kPassedExtensionHeaders[] = {"x-csrf-token", "sec-fetch-site"};
}  // namespace

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  net::Runtime& runtime;
  Endpoint endpoint;
  HttpHandler handler;
  tcp::acceptor acceptor;
  std::shared_ptr<net::SslContext> tls;  // null: plain HTTP only
  std::shared_ptr<directory::ConnectionLimiter> connections = directory::ConnectionLimiter::create();
  std::atomic<size_t> max_per_ip;  // replaced on SIGHUP
  std::mutex sessions_mutex;
  std::set<std::shared_ptr<beast::tcp_stream>> sessions;
  bool stopped = false;

  State(net::Runtime& r, Endpoint e, HttpHandler h, size_t max, std::shared_ptr<net::SslContext> t)
      : runtime(r),
        endpoint(std::move(e)),
        handler(std::move(h)),
        acceptor(r.io()),
        tls(std::move(t)),
        max_per_ip(max) {}

  // The ticket holds this client's connection slot until the session ends.
  asio::awaitable<void> session(std::shared_ptr<beast::tcp_stream> stream, directory::ConnectionLimiter::Ticket ticket,
                                std::string client_ip) {
    auto& open = metrics::global().gauge("sealmail_connections", "Open connections.", "listener=\"admin\"");
    open.add(1);
    beast::flat_buffer buffer;
    if (tls) {
      // The first bytes decide (and stay in `buffer` for whichever reads next).
      stream->expires_after(kHandshakeTimeout);
      auto [dec, is_tls] = co_await beast::async_detect_ssl(*stream, buffer, asio::as_tuple(asio::use_awaitable));
      if (!dec) {
        if (is_tls) {
          asio::ssl::stream<beast::tcp_stream&> secure(*stream, *tls);
          stream->expires_after(kHandshakeTimeout);
          auto [hec, used] = co_await secure.async_handshake(asio::ssl::stream_base::server, buffer.data(),
                                                             asio::as_tuple(asio::use_awaitable));
          if (!hec) {
            buffer.consume(used);
            co_await serve_requests(secure, *stream, buffer, client_ip, true);
            stream->expires_after(kHandshakeTimeout);
            auto [sec] = co_await secure.async_shutdown(asio::as_tuple(asio::use_awaitable));
            (void)sec;
          }
        } else {
          co_await serve_requests(*stream, *stream, buffer, client_ip, false);
        }
      }
    } else {
      co_await serve_requests(*stream, *stream, buffer, client_ip, false);
    }
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
    open.add(-1);
    std::lock_guard lock(sessions_mutex);
    sessions.erase(stream);
    (void)ticket;
  }

  // Requests on one connection, plain or TLS; `tcp` carries the deadlines.
  template <class Stream>
  asio::awaitable<void> serve_requests(Stream& io, beast::tcp_stream& tcp, beast::flat_buffer& buffer,
                                       const std::string& client_ip, bool secure) {
    auto& requests = metrics::global().counter("sealmail_admin_requests_total", "Admin HTTP requests served.");
    auto& latency = metrics::global().histogram("sealmail_admin_request_seconds", "Admin HTTP request latency.");
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxBody);
      parser.header_limit(kMaxHeader);
      tcp.expires_after(kRequestTimeout);
      auto [ec, n] = co_await http::async_read(io, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
          http::response<http::string_body> too_big{http::status::payload_too_large, 11};
          too_big.body() = "request too large\n";
          too_big.prepare_payload();
          co_await http::async_write(io, too_big, asio::as_tuple(asio::use_awaitable));
        }
        break;
      }
      auto& req = parser.get();
      HttpRequest r{std::string(req.method_string()),
                    std::string(req.target()),
                    std::string(req[http::field::authorization]),
                    std::move(req.body()),
                    client_ip,
                    std::string(req[http::field::host]),
                    secure,
                    {}};
      for (auto f : kPassedHeaders)
        if (auto it = req.find(f); it != req.end())
          r.headers[std::string(http::to_string(f))] = std::string(it->value());
      for (const char* name : kPassedExtensionHeaders)
        if (auto it = req.find(name); it != req.end()) r.headers[name] = std::string(it->value());
      // Lowercase names: Beast spells known fields with capitals ("Cookie").
      std::map<std::string, std::string> lower;
      for (auto& [k, v] : r.headers) {
        std::string key = k;
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        lower[key] = std::move(v);
      }
      r.headers = std::move(lower);
      HttpResponse out;
      auto started = std::chrono::steady_clock::now();
      try {
        auto answer = handler(std::move(r));
        out = co_await std::move(answer);
      } catch (const std::exception& e) {
        log::error("admin_request_failed", {{"reason", e.what()}});
        out = {500, "text/plain; charset=utf-8", "internal error\n"};
      }
      requests.add();
      latency.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      bool keep_alive = req.keep_alive();
      bool written = out.body_file ? co_await write_file_response(io, tcp, out, req.version(), keep_alive)
                                   : co_await write_response(io, tcp, out, req.version(), keep_alive);
      if (!written || !keep_alive) break;
    }
  }

  template <class Body>
  static void set_headers(http::response<Body>& res, const HttpResponse& out, bool keep_alive) {
    res.result(static_cast<http::status>(out.status));
    res.set(http::field::content_type, out.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    if (out.retry_after_seconds > 0) res.set(http::field::retry_after, std::to_string(out.retry_after_seconds));
    for (auto& [name, value] : out.headers) res.insert(name, value);
    res.keep_alive(keep_alive);
  }

  template <class Stream>
  static asio::awaitable<bool> write_response(Stream& io, beast::tcp_stream& tcp, HttpResponse& out, unsigned version,
                                              bool keep_alive) {
    http::response<http::string_body> res;
    res.version(version);
    set_headers(res, out, keep_alive);
    res.body() = std::move(out.body);
    res.prepare_payload();
    tcp.expires_after(kRequestTimeout);
    auto [wec, wn] = co_await http::async_write(io, res, asio::as_tuple(asio::use_awaitable));
    co_return !wec;
  }

  // A download: the file is streamed in Beast's buffer-sized pieces; the deadline is renewed for
  // each piece, so a large backup over a slow link is not cut at 30 s while a stalled reader is.
  template <class Stream>
  static asio::awaitable<bool> write_file_response(Stream& io, beast::tcp_stream& tcp, HttpResponse& out,
                                                   unsigned version, bool keep_alive) {
    http::response<http::file_body> res;
    beast::error_code ec;
    res.body().open(out.body_file->path.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      log::error("admin_download_failed", {{"reason", ec.message()}});
      HttpResponse failed{500, "text/plain; charset=utf-8", "internal error\n"};
      co_return co_await write_response(io, tcp, failed, version, keep_alive);
    }
    res.version(version);
    set_headers(res, out, keep_alive);
    res.prepare_payload();
    http::response_serializer<http::file_body> serializer(res);
    while (!serializer.is_done()) {
      tcp.expires_after(kRequestTimeout);
      auto [wec, wn] = co_await http::async_write_some(io, serializer, asio::as_tuple(asio::use_awaitable));
      if (wec) co_return false;
    }
    co_return true;
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;  // e.g. too many open files: keep serving the others
      }
      boost::system::error_code rec;
      std::string ip = socket.remote_endpoint(rec).address().to_string();
      auto ticket = connections->try_acquire("conn:" + ip, max_per_ip);
      if (!ticket) {
        metrics::global()
            .counter("sealmail_connections_refused_total", "Connections refused for the per-IP limit.",
                     "listener=\"admin\"")
            .add();
        socket.close(rec);
        continue;
      }
      auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
      {
        std::lock_guard lock(sessions_mutex);
        if (stopped) co_return;
        sessions.insert(stream);
      }
      auto work = self->session(stream, std::move(*ticket), ip);
      asio::co_spawn(acceptor.get_executor(), std::move(work), [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("admin_session_failed", {{"reason", ex.what()}});
        }
      });
    }
  }
};

TemporaryFile::~TemporaryFile() {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

HttpServer::HttpServer(net::Runtime& runtime, Endpoint endpoint, HttpHandler handler, size_t max_connections_per_ip,
                       std::shared_ptr<net::SslContext> tls)
    : state_(std::make_shared<State>(runtime, std::move(endpoint), std::move(handler), max_connections_per_ip,
                                     std::move(tls))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(state_->endpoint.host, ec);
  if (ec) return make_error(Errc::invalid_argument, "admin: '" + state_->endpoint.host + "' is not an IP address");
  tcp::endpoint ep(address, state_->endpoint.port);
  auto& a = state_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(Errc::io, "admin: cannot listen on " + state_->endpoint.to_string() + ": " + ec.message());
  asio::co_spawn(a.get_executor(), state_->accept_loop(), asio::detached);
  return {};
}

void HttpServer::stop() {
  auto s = state_;
  asio::post(s->acceptor.get_executor(), [s] {
    boost::system::error_code ec;
    s->acceptor.close(ec);
    std::lock_guard lock(s->sessions_mutex);
    s->stopped = true;
    for (auto& stream : s->sessions) stream->socket().close(ec);
  });
}

void HttpServer::set_max_connections_per_ip(size_t max) { state_->max_per_ip = max; }

uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace sealmail::admin

#include "core/listener.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>

#include "core/log.h"
#include "core/metrics.h"

namespace sealmail::net {

struct Listener::State : std::enable_shared_from_this<Listener::State> {
  Runtime& runtime;
  Endpoint endpoint;
  std::string name;
  Handler handler;
  Admit admit;
  Refuse refuse;
  std::atomic<int> refusing{0};
  std::atomic<int64_t> last_refusal_log{0};  // steady clock, seconds
  tcp::acceptor acceptor;
  mutable std::mutex mutex;
  std::set<std::shared_ptr<Connection>> open;
  bool stopped = false;

  State(Runtime& r, Endpoint e, std::string n, Handler h, Admit a, Refuse f)
      : runtime(r),
        endpoint(std::move(e)),
        name(std::move(n)),
        handler(std::move(h)),
        admit(std::move(a)),
        refuse(std::move(f)),
        acceptor(r.io()) {}

  static asio::awaitable<void> run_refusal(std::shared_ptr<State> self, std::shared_ptr<Connection> connection) {
    try {
      auto said = self->refuse(connection);
      co_await std::move(said);
    } catch (const std::exception& e) {
      log::error("refusal_failed", {{"listener", self->name}, {"reason", e.what()}});
    }
    connection->close();
    --self->refusing;
    std::lock_guard lock(self->mutex);
    self->open.erase(connection);
  }

  // One log line a minute at most: a client over the limit may knock many times a second.
  void log_refusal() {
    int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    int64_t last = last_refusal_log.load();
    if (now - last < 60 && last != 0) return;
    if (!last_refusal_log.compare_exchange_strong(last, now)) return;
    log::warn("connections_refused", {{"listener", name}, {"reason", "max_connections_per_ip reached"}});
  }

  static asio::awaitable<void> run_session(std::shared_ptr<State> self, std::shared_ptr<Connection> connection,
                                           std::shared_ptr<void> token) {
    const std::string label = "listener=\"" + self->name + "\"";
    auto& gauge = metrics::global().gauge("sealmail_connections", "Open connections.", label);
    metrics::global().counter("sealmail_connections_accepted_total", "Connections accepted.", label).add();
    gauge.add(1);
    try {
      auto session = self->handler(connection);
      co_await std::move(session);
    } catch (const std::exception& e) {
      metrics::global().counter("sealmail_session_failures_total", "Sessions ended by an internal error.", label).add();
      log::error("session_failed", {{"listener", self->name}, {"reason", e.what()}});
    }
    gauge.add(-1);
    connection->close();
    std::lock_guard lock(self->mutex);
    self->open.erase(connection);
    (void)token;
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<State> self) {
    for (;;) {
      auto strand = asio::make_strand(self->runtime.io());
      auto [ec, socket] = co_await self->acceptor.async_accept(strand, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) co_return;
        continue;  // e.g. too many open files: keep serving the others
      }
      auto connection = std::make_shared<Connection>(std::move(socket));
      std::shared_ptr<void> token;
      if (self->admit) {
        token = self->admit(connection->remote_ip());
        if (!token) {
          metrics::global()
              .counter("sealmail_connections_refused_total", "Connections refused for the per-IP limit.",
                       "listener=\"" + self->name + "\"")
              .add();
          self->log_refusal();
          if (self->refuse && self->refusing.load() < kMaxRefusing) {
            std::lock_guard lock(self->mutex);
            if (self->stopped) co_return;
            ++self->refusing;
            self->open.insert(connection);
            auto refusal = run_refusal(self, connection);
            asio::co_spawn(strand, std::move(refusal), asio::detached);
          } else {
            connection->close();
          }
          continue;
        }
      }
      {
        std::lock_guard lock(self->mutex);
        if (self->stopped) co_return;
        self->open.insert(connection);
      }
      auto session = run_session(self, connection, std::move(token));
      asio::co_spawn(strand, std::move(session), asio::detached);
    }
  }
};

Listener::Listener(Runtime& runtime, Endpoint endpoint, std::string name, Handler handler, Admit admit, Refuse refuse)
    : state_(std::make_shared<State>(runtime, std::move(endpoint), std::move(name), std::move(handler),
                                     std::move(admit), std::move(refuse))) {}

Listener::~Listener() { stop(); }

Status Listener::start() {
  ErrorCode ec;
  auto address = asio::ip::make_address(state_->endpoint.host, ec);
  if (ec)
    return make_error(Errc::invalid_argument, state_->name + ": '" + state_->endpoint.host + "' is not an IP address");
  tcp::endpoint ep(address, state_->endpoint.port);
  auto& a = state_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(Errc::io,
                      state_->name + ": cannot listen on " + state_->endpoint.to_string() + ": " + ec.message());
  asio::co_spawn(a.get_executor(), State::accept_loop(state_), asio::detached);
  return {};
}

void Listener::stop() {
  auto s = state_;
  asio::post(s->acceptor.get_executor(), [s] {
    ErrorCode ec;
    s->acceptor.close(ec);
    std::lock_guard lock(s->mutex);
    s->stopped = true;
    for (auto& c : s->open) c->close();
  });
}

uint16_t Listener::port() const {
  ErrorCode ec;
  auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

size_t Listener::open_connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->open.size();
}

asio::awaitable<void> refuse_with_line(std::shared_ptr<Connection> connection,
                                       std::shared_ptr<asio::ssl::context> implicit_tls, std::string line) {
  constexpr auto kTimeout = std::chrono::seconds(10);
  if (implicit_tls) {
    auto handshake = connection->start_tls(*implicit_tls, kTimeout);
    if (co_await std::move(handshake)) co_return;
  }
  auto said = connection->write(line, kTimeout);
  co_await std::move(said);
}

}  // namespace sealmail::net

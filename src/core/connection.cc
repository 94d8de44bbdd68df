#include "core/connection.h"

#include <zlib.h>

#include <cstring>

namespace sealmail::net {

struct Connection::Zlib {
  z_stream z{};
  bool deflating = false;
  char plain[Connection::kReadChunk];  // inflate's output, here rather than in every read's frame
  ~Zlib() { deflating ? deflateEnd(&z) : inflateEnd(&z); }
};

Connection::Connection(tcp::socket socket)
    : socket_(std::move(socket)), read_deadline_(socket_.get_executor()), write_deadline_(socket_.get_executor()) {
  ErrorCode ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    auto address = ep.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped())
      address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    remote_ip_ = address.to_string();
    loopback_ = address.is_loopback();
  }
  socket_.set_option(tcp::no_delay(true), ec);
}

Connection::~Connection() = default;

void Connection::close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    ErrorCode ec;
    self->read_deadline_.timer.cancel();
    self->write_deadline_.timer.cancel();
    if (self->tls_ && self->socket_.is_open()) self->tls_->send_close_notify();
    self->socket_.shutdown(tcp::socket::shutdown_both, ec);
    self->socket_.close(ec);
  });
}

void Connection::interrupt() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    ErrorCode ec;
    self->socket_.cancel(ec);
  });
}

// The deadline cancels what is pending on the socket when it passes (the operation then fails
// and reports timed_out); the socket stays open for a last word.
void Connection::arm(Deadline& deadline, std::chrono::steady_clock::duration timeout) {
  deadline.passed = false;
  deadline.timer.expires_after(timeout);
  deadline.timer.async_wait([this, &deadline](const ErrorCode& ec) {
    if (ec) return;  // re-armed or cancelled
    deadline.passed = true;
    ErrorCode ignored;
    socket_.cancel(ignored);
  });
}

asio::awaitable<ErrorCode> Connection::start_tls(asio::ssl::context& context,
                                                 std::chrono::steady_clock::duration timeout) {
  tls_ = std::make_unique<TlsStream>(socket_, context, true);
  arm(read_deadline_, timeout);
  auto ec = co_await tls_->handshake();
  read_deadline_.timer.cancel();
  co_return read_deadline_.passed ? asio::error::timed_out : ec;
}

asio::awaitable<ErrorCode> Connection::start_tls_client(asio::ssl::context& context, std::string server_name,
                                                        bool verify, std::chrono::steady_clock::duration timeout,
                                                        std::function<void(struct ssl_st*)> prepare) {
  tls_ = std::make_unique<TlsStream>(socket_, context, false);
  tls_->set_server_name(server_name, verify);
  if (prepare) prepare(tls_->native_handle());
  arm(read_deadline_, timeout);
  auto ec = co_await tls_->handshake();
  read_deadline_.timer.cancel();
  co_return read_deadline_.passed ? asio::error::timed_out : ec;
}

asio::awaitable<ErrorCode> Connection::raw_read(char* data, size_t size, size_t& got) {
  auto buffer = asio::buffer(data, size);
  if (tls_) co_return co_await tls_->read_some(data, size, got);
  auto [ec, n] = co_await socket_.async_read_some(buffer, asio::as_tuple(asio::use_awaitable));
  got = n;
  co_return ec;
}

asio::awaitable<ErrorCode> Connection::raw_write(std::string_view data) {
  auto buffer = asio::buffer(data.data(), data.size());
  if (tls_) co_return co_await tls_->write(data);
  auto [ec, n] = co_await asio::async_write(socket_, buffer, asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

asio::awaitable<ErrorCode> Connection::read_some(std::string& out, std::chrono::steady_clock::duration timeout) {
  char chunk[kReadChunk];
  for (;;) {
    size_t got = 0;
    arm(read_deadline_, timeout);
    auto ec = co_await raw_read(chunk, sizeof chunk, got);
    read_deadline_.timer.cancel();
    if (read_deadline_.passed) co_return asio::error::timed_out;
    if (ec) co_return ec;
    if (!inflate_) {
      out.append(chunk, got);
      co_return ErrorCode{};
    }
    auto& z = inflate_->z;
    z.next_in = reinterpret_cast<Bytef*>(chunk);
    z.avail_in = static_cast<uInt>(got);
    size_t before = out.size();
    while (z.avail_in > 0) {
      char* plain = inflate_->plain;
      z.next_out = reinterpret_cast<Bytef*>(plain);
      z.avail_out = kReadChunk;
      int rc = inflate(&z, Z_SYNC_FLUSH);
      if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) co_return asio::error::invalid_argument;
      out.append(plain, kReadChunk - z.avail_out);
      if (rc == Z_BUF_ERROR && z.avail_out != 0) break;
    }
    // A deflate block may carry no data yet (a partial block): read on.
    if (out.size() > before) co_return ErrorCode{};
  }
}

asio::awaitable<ErrorCode> Connection::write(std::string_view data, std::chrono::steady_clock::duration timeout) {
  arm(write_deadline_, timeout);
  ErrorCode ec;
  if (!deflate_) {
    ec = co_await raw_write(data);
  } else {
    auto& z = deflate_->z;
    std::string packed;
    packed.resize(deflateBound(&z, data.size()) + 64);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    size_t used = 0;
    do {
      if (packed.size() - used < 64) packed.resize(packed.size() * 2);
      z.next_out = reinterpret_cast<Bytef*>(packed.data() + used);
      z.avail_out = static_cast<uInt>(packed.size() - used);
      deflate(&z, Z_SYNC_FLUSH);
      used = packed.size() - z.avail_out;
    } while (z.avail_out == 0);
    packed.resize(used);
    ec = co_await raw_write(packed);
  }
  write_deadline_.timer.cancel();
  co_return write_deadline_.passed ? asio::error::timed_out : ec;
}

Status Connection::start_deflate() {
  if (inflate_) return make_error(Errc::invalid_argument, "compression is already active");
  auto in = std::make_unique<Zlib>();
  auto out = std::make_unique<Zlib>();
  out->deflating = true;
  // Raw DEFLATE (negative window bits), RFC 4978 §3. A smaller memLevel keeps the cost per
  // compressed connection near 140 KiB instead of 270 KiB.
  if (inflateInit2(&in->z, -15) != Z_OK) return make_error(Errc::internal, "inflateInit2 failed");
  if (deflateInit2(&out->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 6, Z_DEFAULT_STRATEGY) != Z_OK) {
    out->deflating = false;  // nothing to end
    return make_error(Errc::internal, "deflateInit2 failed");
  }
  inflate_ = std::move(in);
  deflate_ = std::move(out);
  return {};
}

}  // namespace sealmail::net

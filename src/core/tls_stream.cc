#include "core/tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <new>

namespace sealmail::net {

namespace asio = boost::asio;
using ErrorCode = boost::system::error_code;

// What the socket BIO saw on its last call, so that a failed SSL call can tell a peer that went
// away (end of stream, reset) from a TLS error.
struct TlsSocketIo {
  int fd = -1;
  int error = 0;     // errno of the last failed send/recv
  bool eof = false;  // recv returned 0
};

namespace {

// A BIO on the socket's descriptor. OpenSSL's own socket BIO would write(2) and raise SIGPIPE on a
// closed peer, and would not keep errno and end of stream apart from TLS errors for us.
int bio_write(BIO* bio, const char* data, int size) {
  auto* io = static_cast<TlsSocketIo*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  ssize_t n = ::send(io->fd, data, static_cast<size_t>(size), MSG_NOSIGNAL);
  if (n >= 0) return static_cast<int>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    BIO_set_retry_write(bio);
  } else {
    io->error = errno;
  }
  return -1;
}

int bio_read(BIO* bio, char* data, int size) {
  auto* io = static_cast<TlsSocketIo*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  ssize_t n = ::recv(io->fd, data, static_cast<size_t>(size), 0);
  if (n > 0) return static_cast<int>(n);
  if (n == 0) {
    io->eof = true;
    return 0;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    BIO_set_retry_read(bio);
  } else {
    io->error = errno;
  }
  return -1;
}

long bio_ctrl(BIO*, int command, long, void*) {
  // Writes go straight to the socket: there is never anything to flush. Everything else
  // (kTLS, pending counts, ...) does not apply to a plain descriptor.
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* socket_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sealmail socket");
    if (m == nullptr || BIO_meth_set_write(m, bio_write) != 1 || BIO_meth_set_read(m, bio_read) != 1 ||
        BIO_meth_set_ctrl(m, bio_ctrl) != 1 || BIO_meth_set_create(m, bio_create) != 1)
      throw std::bad_alloc();
    return m;
  }();
  return method;
}

bool is_ip_address(const std::string& name) {
  ErrorCode ec;
  asio::ip::make_address(name, ec);
  return !ec;
}

}  // namespace

TlsStream::TlsStream(asio::ip::tcp::socket& socket, asio::ssl::context& context, bool server)
    : socket_(socket), io_(std::make_unique<TlsSocketIo>()) {
  io_->fd = socket_.native_handle();
  ErrorCode ec;
  socket_.native_non_blocking(true, ec);
  ssl_ = SSL_new(context.native_handle());
  BIO* bio = ssl_ ? BIO_new(socket_method()) : nullptr;
  if (bio == nullptr) {
    SSL_free(ssl_);
    throw std::bad_alloc();
  }
  BIO_set_data(bio, io_.get());
  SSL_set_bio(ssl_, bio, bio);  // the SSL object owns the BIO from here
  // Record buffers only while a record is in flight: an idle session holds none.
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_options(ssl_, SSL_OP_NO_RENEGOTIATION);
  server ? SSL_set_accept_state(ssl_) : SSL_set_connect_state(ssl_);
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

void TlsStream::set_server_name(const std::string& server_name, bool verify) {
  bool ip = is_ip_address(server_name);
  // RFC 6066 §3: SNI carries host names only, never a literal address.
  if (!server_name.empty() && !ip) SSL_set_tlsext_host_name(ssl_, server_name.c_str());
  if (!verify) {
    SSL_set_verify(ssl_, SSL_VERIFY_NONE, nullptr);
    return;
  }
  if (server_name.empty()) {
    failed_ = true;  // nothing to check the certificate against: the handshake fails, never passes
    return;
  }
  SSL_set_verify(ssl_, SSL_VERIFY_PEER, nullptr);
  // RFC 6125: the name must match the certificate; partial wildcards ("w*.example.com") do not.
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
  }
}

asio::awaitable<ErrorCode> TlsStream::handshake() {
  size_t unused = 0;
  co_return co_await run(Op::handshake, nullptr, 0, unused);
}

asio::awaitable<ErrorCode> TlsStream::read_some(char* data, size_t size, size_t& got) {
  co_return co_await run(Op::read, data, size, got);
}

asio::awaitable<ErrorCode> TlsStream::write(std::string_view data) {
  size_t written = 0;
  co_return co_await run(Op::write, const_cast<char*>(data.data()), data.size(), written);
}

asio::awaitable<ErrorCode> TlsStream::run(Op op, char* data, size_t size, size_t& done) {
  if (failed_) co_return asio::error::connection_aborted;
  if (op == Op::write && size == 0) co_return ErrorCode{};
  done = 0;
  for (;;) {
    ERR_clear_error();  // the queue is the thread's, shared with every other connection on it
    io_->error = 0;
    io_->eof = false;
    int rc;
    switch (op) {
      case Op::handshake:
        rc = SSL_do_handshake(ssl_);
        break;
      case Op::read:
        rc = SSL_read_ex(ssl_, data, size, &done);
        break;
      case Op::write:
        // Without SSL_MODE_ENABLE_PARTIAL_WRITE this succeeds only once all of it is written.
        rc = SSL_write_ex(ssl_, data, size, &done);
        break;
    }
    if (rc == 1) co_return ErrorCode{};
    int error = SSL_get_error(ssl_, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      auto wait = error == SSL_ERROR_WANT_READ ? asio::ip::tcp::socket::wait_read : asio::ip::tcp::socket::wait_write;
      auto [ec] = co_await socket_.async_wait(wait, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return ec;
      continue;
    }
    if (error == SSL_ERROR_ZERO_RETURN) co_return asio::error::eof;  // the peer's close_notify
    failed_ = true;
    if (io_->error != 0) co_return ErrorCode(io_->error, boost::system::system_category());
    // OpenSSL 3 reports a peer that left without close_notify as a TLS error: it is an end.
    if (io_->eof) co_return asio::error::eof;
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) co_return asio::error::connection_aborted;
    co_return ErrorCode(static_cast<int>(code), asio::error::get_ssl_category());
  }
}

void TlsStream::send_close_notify() {
  if (failed_ || !SSL_is_init_finished(ssl_)) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // one try: the alert goes out now or not at all
  ERR_clear_error();
}

}  // namespace sealmail::net

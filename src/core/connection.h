// One client connection of a line protocol (IMAP, POP3, SMTP): a TCP socket that may turn into TLS
// (implicit, or later by STARTTLS/STLS) and, for IMAP, into a DEFLATE stream (RFC 4978). Protocol
// sessions read and write through it without knowing which layers are on.
//
// Rules this class keeps:
// - Expected outcomes (end of stream, timeout, reset) come back as error codes, never exceptions.
// - Every read has a deadline: when it passes the read fails with timed_out and the socket stays
//   open, so the session can still write its BYE (autologout).
// - Memory per idle connection stays small: no buffer is held between reads (the read chunk is on
//   the coroutine's frame while it waits), TLS keeps only OpenSSL's SSL object (tls_stream.h), and
//   only once COMPRESS is on, zlib's state.
// - Under TLS, close() sends a close_notify alert first (RFC 8446 §6.1), when the socket takes it.
// - Used from one strand only; close() may be called from any thread (held in a shared_ptr).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/tls_stream.h"

namespace sealmail::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  static constexpr size_t kReadChunk = 4096;

  explicit Connection(tcp::socket socket);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Server side of a TLS handshake (implicit TLS at accept, or after STARTTLS was answered).
  asio::awaitable<ErrorCode> start_tls(asio::ssl::context& context, std::chrono::steady_clock::duration timeout);
  // Client side (the SMTP client's STARTTLS): `server_name` goes into SNI and, when `verify` is set,
  // must match the peer's certificate (RFC 6125); the context supplies the trust store.
  // `prepare`, when given, sees the OpenSSL handle last before the handshake (DANE's TLSA records).
  asio::awaitable<ErrorCode> start_tls_client(asio::ssl::context& context, std::string server_name, bool verify,
                                              std::chrono::steady_clock::duration timeout,
                                              std::function<void(struct ssl_st*)> prepare = {});
  bool tls() const { return tls_ != nullptr; }

  // COMPRESS=DEFLATE: from the next byte on, both directions are raw DEFLATE (RFC 1951).
  Status start_deflate();
  bool compressed() const { return inflate_ != nullptr; }

  // Reads what is available (at least one byte) into `out` (appended), decompressed. Returns an
  // error at end of stream, on a reset, or when `timeout` passes with nothing read.
  asio::awaitable<ErrorCode> read_some(std::string& out, std::chrono::steady_clock::duration timeout);
  // Writes all of `data` (compressed and flushed when COMPRESS is on).
  asio::awaitable<ErrorCode> write(std::string_view data, std::chrono::steady_clock::duration timeout);

  // Closes the socket: a pending read or write ends with an error. Safe from any thread.
  void close();
  // Cancels a pending read or write (it ends with operation_aborted) and leaves the socket open,
  // so that the session can still say goodbye ("* BYE"). Safe from any thread.
  void interrupt();
  bool is_open() const { return socket_.is_open(); }

  const std::string& remote_ip() const { return remote_ip_; }
  bool remote_is_loopback() const { return loopback_; }
  asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  struct Zlib;
  asio::awaitable<ErrorCode> raw_read(char* data, size_t size, size_t& got);
  asio::awaitable<ErrorCode> raw_write(std::string_view data);
  // A read and a write may be pending at once (IDLE: the client's DONE is awaited while changes
  // are written), so each has its own deadline: arming one never disarms the other.
  struct Deadline {
    explicit Deadline(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    bool passed = false;
  };
  void arm(Deadline& deadline, std::chrono::steady_clock::duration timeout);

  tcp::socket socket_;
  std::unique_ptr<TlsStream> tls_;
  Deadline read_deadline_, write_deadline_;
  std::unique_ptr<Zlib> inflate_, deflate_;
  std::string remote_ip_;
  bool loopback_ = false;
};

}  // namespace sealmail::net

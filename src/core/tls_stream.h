// TLS on a connection's TCP socket, driven with OpenSSL directly (as nginx does) instead of
// Boost.Asio's ssl::stream: OpenSSL reads and writes the non-blocking socket itself, and when it
// wants to read or write we wait for the socket to be ready (async_wait) and try again.
//
// Why: asio's stream keeps two 17 KiB buffers in its engine and a BIO pair of two more for the
// whole life of a connection, about 62 KiB per idle IMAP IDLE session. Here the SSL object is all
// that stays: SSL_MODE_RELEASE_BUFFERS frees OpenSSL's record buffers whenever nothing is pending.
//
// Rules this class keeps:
// - Used from one strand; at most one read and one write at a time (IMAP IDLE reads while its
//   notifier writes: OpenSSL keeps the two directions' record state apart), a handshake alone.
// - A cancelled wait (deadline, interrupt, close) ends the operation with operation_aborted.
// - Renegotiation is refused (SSL_OP_NO_RENEGOTIATION: a cheap way to make the server work hard).
// - Socket writes use MSG_NOSIGNAL: a peer that went away is an error, never a SIGPIPE.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace sealmail::net {

struct TlsSocketIo;

class TlsStream {
 public:
  // The socket must outlive this object; it is switched to non-blocking mode.
  TlsStream(boost::asio::ip::tcp::socket& socket, boost::asio::ssl::context& context, bool server);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Client side only, before the handshake: SNI, and (when `verify`) the peer's certificate must
  // chain to the context's trust store and match `server_name` (a host name or an IP address).
  void set_server_name(const std::string& server_name, bool verify);
  // The OpenSSL handle, for settings made before the handshake that this class does not know
  // (the SMTP client's DANE, RFC 7672).
  struct ssl_st* native_handle() {
    return ssl_;
  }

  boost::asio::awaitable<boost::system::error_code> handshake();
  // Reads at least one byte (when no error): `got` is how many.
  boost::asio::awaitable<boost::system::error_code> read_some(char* data, size_t size, size_t& got);
  // Writes all of `data`.
  boost::asio::awaitable<boost::system::error_code> write(std::string_view data);
  // Sends a close_notify alert if the socket takes it at once (never waits): for close().
  void send_close_notify();

 private:
  enum class Op { handshake, read, write };
  boost::asio::awaitable<boost::system::error_code> run(Op op, char* data, size_t size, size_t& done);

  boost::asio::ip::tcp::socket& socket_;
  std::unique_ptr<TlsSocketIo> io_;
  struct ssl_st* ssl_ = nullptr;
  bool failed_ = false;  // a fatal error happened: OpenSSL forbids a shutdown then
};

}  // namespace sealmail::net

// The MX: an ESMTP server (RFC 5321) on the `smtp` listener that accepts mail for the domains we
// host and hands it to a Delivery (delivery.h). The same server in submission mode (RFC 6409) is
// the `submission` (STARTTLS) and `submissions` (implicit TLS, RFC 8314) listeners: AUTH PLAIN and
// LOGIN (RFC 4954) against an Authenticator (authenticator.h), only once TLS is up, and MAIL only
// after AUTH (530 5.7.0). Extensions: PIPELINING (RFC 2920), SIZE (RFC 1870),
// 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), ENHANCEDSTATUSCODES (RFC 2034/3463), CHUNKING and
// BINARYMIME (RFC 3030), DSN parameters accepted (RFC 3461), STARTTLS (RFC 3207).
//
// Implementation notes, the rules every handler keeps:
// - The parser (smtp/protocol) does no I/O; the session owns the socket and the buffers.
// - A message is held in memory only, up to max_message_bytes; past it the rest is read and
//   dropped and the answer is 552 5.3.4: nothing of it is kept.
// - 250 after the final dot (or BDAT LAST) only when the Delivery says the message is durable.
// - STARTTLS forgets everything said before it (RFC 3207 §4.2), including pipelined bytes that
//   followed the command in the clear (the CVE-2011-0411 command injection).
// - Never an open relay: the Delivery refuses recipients in domains we do not host (550 5.7.1).
// - No log line holds an address or message content; VRFY and EXPN are disabled (they would
//   tell who has a mailbox here).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/listener.h"
#include "core/runtime.h"
#include "core/snapshot.h"
#include "core/tls.h"
#include "smtp/server/authenticator.h"
#include "smtp/server/delivery.h"

namespace sealmail::smtp {

struct ServerOptions {
  std::string listener = "smtp";
  std::string hostname = "localhost";  // in the greeting, EHLO and Received
  bool implicit_tls = false;
  // RFC 6409 submission: AUTH offered (over TLS only) and required before MAIL; the Envelope
  // carries the authenticated alias. Off: the MX, where AUTH is not offered.
  bool submission = false;
  uint64_t max_message_bytes = 50ull << 20;
  uint32_t max_recipients = 100;  // RFC 5321 §4.5.3.1.8: at least 100 must be accepted
  size_t max_line = 2048;
  int max_errors = 20;  // bad commands before 421 and the end of the session (Postfix's hard limit)
  // RFC 5321 §4.5.3.2.7: "the server SHOULD have a timeout of at least 5 minutes" while waiting
  // for the next command; the same for each read of DATA.
  std::chrono::seconds command_timeout{5 * 60};
  std::chrono::seconds tls_handshake_timeout{60};
  std::chrono::seconds write_timeout{5 * 60};
};

struct ServerContext {
  net::Runtime& runtime;
  std::shared_ptr<Delivery> delivery;
  std::shared_ptr<net::SslContext> tls;  // null: no STARTTLS
  ServerOptions options;
  net::Listener::Admit admit;                    // connections per IP (directory::ConnectionLimiter), set by serve
  std::shared_ptr<Authenticator> authenticator;  // submission only
};

class Server {
 public:
  Server(std::shared_ptr<ServerContext> context, Endpoint endpoint);
  Status start();
  void stop();
  uint16_t port() const { return listener_.port(); }
  // SIGHUP (issue 4): connections accepted from now on get `context` (new options, a new
  // Delivery); sessions already running keep the one they started with.
  std::shared_ptr<ServerContext> context() const { return context_->get(); }
  void reconfigure(std::shared_ptr<ServerContext> context) { context_->set(std::move(context)); }

 private:
  std::shared_ptr<Snapshot<ServerContext>> context_;
  net::Listener listener_;
};

}  // namespace sealmail::smtp

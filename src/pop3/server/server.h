// The POP3 server (RFC 1939, with RFC 2449 CAPA, RESP-CODES and PIPELINING, RFC 2595 STLS,
// RFC 5034 SASL PLAIN, RFC 3206 AUTH-RESP-CODE, RFC 6856 UTF8) over the encrypted store:
// listeners `pop3` (STLS) and `pop3s` (implicit TLS), one Session per connection (session.h).
//
// Implementation notes, the rules every handler keeps:
// - The maildrop is INBOX, seen as it was at login (maildrop.h): messages that arrive later are
//   seen at the next login, messages numbers never change during a session (RFC 1939 §5).
// - Nothing changes in the store before QUIT: DELE only marks, and QUIT in the TRANSACTION state
//   (the UPDATE state, RFC 1939 §6) removes what was marked, in one store call whose change
//   events reach the owner's IMAP sessions at once. A dropped connection, a timeout or a password
//   change removes nothing.
// - One POP3 session per maildrop at a time (RFC 1939 §8, maildrop_lock.h), whichever listener
//   it came through; IMAP sessions of the same owner may read and write meanwhile.
// - Store and directory calls block: they run on the worker pool (Runtime::blocking), never on an
//   I/O thread; no store call is in flight while the session writes to the socket.
// - Passwords never reach a log; addresses are logged redacted (log::redact_address).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/listener.h"
#include "core/runtime.h"
#include "core/snapshot.h"
#include "core/tls.h"
#include "directory/directory.h"
#include "directory/login_cache.h"
#include "directory/rate_limiter.h"
#include "pop3/server/maildrop_lock.h"
#include "pop3/server/size_cache.h"
#include "store/registry.h"
#include "store/spool.h"

namespace sealmail::pop3 {

struct ServerOptions {
  std::string listener = "pop3";  // "pop3" (STLS) or "pop3s" (implicit TLS)
  bool implicit_tls = false;
  // USER/PASS and AUTH before STLS from loopback clients (tests, local fetchers); from anywhere
  // else the session must be encrypted first (RFC 2595 §2).
  bool allow_plaintext_on_loopback = false;
  std::filesystem::path data_dir;
  size_t max_connections_per_ip = 64;
  // RFC 1939 §3: an inactivity autologout timer "MUST be of at least 10 minutes' duration". It
  // applies in every state; the per-IP connection limit bounds what idle clients can hold.
  std::chrono::seconds autologout{10 * 60};
  std::chrono::seconds tls_handshake_timeout{60};
  std::chrono::seconds write_timeout{5 * 60};  // a client that stops reading is dropped
  int max_errors = 20;                         // -ERR answers to bad commands in a row before closing
  // Pipelined answers are gathered into one write, but written out once they pass this size, so
  // that a client pipelining a thousand RETRs does not make the server hold them all at once.
  size_t max_pending_output = 256 * 1024;
};

// What every session shares. Owned by the server; outlives its sessions.
struct ServerContext {
  net::Runtime& runtime;
  std::shared_ptr<directory::Directory> directory;
  std::shared_ptr<store::MailboxRegistry> registry;
  std::shared_ptr<directory::LoginThrottle> throttle;
  std::shared_ptr<net::SslContext> tls;
  ServerOptions options;
  // Shared by the pop3 and pop3s listeners: the maildrop lock is per mailbox, not per listener.
  std::shared_ptr<MaildropLocks> locks = MaildropLocks::create();
  std::shared_ptr<SizeCache> sizes = std::make_shared<SizeCache>();
  // Recent successful logins (directory/login_cache.h), so that a client polling every minute does
  // not pay Argon2id each time; best shared with the IMAP servers.
  std::shared_ptr<directory::LoginCache> logins = std::make_shared<directory::LoginCache>();
  std::shared_ptr<directory::ConnectionLimiter> connections = directory::ConnectionLimiter::create();
  // Mail sealed while the owner was away, drained into INBOX at login (may be null: no spool).
  std::shared_ptr<store::Spool> spool;
};

class Server {
 public:
  Server(std::shared_ptr<ServerContext> context, Endpoint endpoint);
  Status start();
  void stop();
  uint16_t port() const { return listener_.port(); }
  // SIGHUP (issue 4): connections accepted from now on get `context` (a copy of context() with
  // new options); sessions already running keep the one they started with.
  std::shared_ptr<ServerContext> context() const { return context_->get(); }
  void reconfigure(std::shared_ptr<ServerContext> context) { context_->set(std::move(context)); }

 private:
  std::shared_ptr<Snapshot<ServerContext>> context_;
  net::Listener listener_;
};

}  // namespace sealmail::pop3

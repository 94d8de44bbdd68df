// The IMAP server (RFC 3501, RFC 9051 and the extensions listed in capabilities.cc) over the
// encrypted store: listeners `imap` (STARTTLS) and `imaps` (implicit TLS), one Session per
// connection (session.h).
//
// Implementation notes, the rules every handler keeps (after mox's imapserver):
// - Store and directory calls block: they run on the worker pool (Runtime::blocking), never on an
//   I/O thread; no mailbox lock or transaction is held while the session writes to the socket.
// - A session holds its mailbox through the MailboxRegistry: the key is derived at the first login
//   of an owner and zeroed when the owner's last session ends.
// - Other sessions' changes (and mail delivered meanwhile) reach a session as store change events;
//   it reports them (EXISTS, EXPUNGE/VANISHED, FETCH FLAGS) only where RFC 9051 §7 allows, and at
//   once during IDLE.
// - Passwords never reach a log; client addresses are logged redacted.
#pragma once

#include <chrono>
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
#include "store/registry.h"
#include "store/spool.h"

namespace sealmail::quota {
class Ledger;
}

namespace sealmail::imap {

struct ServerOptions {
  std::string listener = "imap";  // "imap" (STARTTLS) or "imaps" (implicit TLS)
  bool implicit_tls = false;
  // Plaintext LOGIN/AUTHENTICATE before STARTTLS from loopback clients (tests, local webmail).
  bool allow_plaintext_on_loopback = false;
  std::string hostname = "localhost";
  std::filesystem::path data_dir;
  uint64_t max_message_bytes = 50ull << 20;  // APPENDLIMIT
  size_t max_connections_per_ip = 64;
  std::chrono::seconds autologout{30 * 60};     // RFC 9051 §5.4: at least 30 minutes after login
  std::chrono::seconds login_timeout{60};       // before login
  std::chrono::seconds idle_keepalive{2 * 60};  // "* OK Still here" during IDLE
  std::chrono::seconds write_timeout{5 * 60};   // a client that stops reading is dropped
  int max_bad_commands = 20;                    // BADs in a row before BYE
};

// What every session shares. Owned by the server; outlives its sessions.
struct ServerContext {
  net::Runtime& runtime;
  std::shared_ptr<directory::Directory> directory;
  std::shared_ptr<store::MailboxRegistry> registry;
  std::shared_ptr<directory::LoginThrottle> throttle;
  std::shared_ptr<net::SslContext> tls;
  ServerOptions options;
  std::shared_ptr<directory::LoginCache> logins = std::make_shared<directory::LoginCache>();
  std::shared_ptr<directory::ConnectionLimiter> connections = directory::ConnectionLimiter::create();
  // Mail sealed while the owner was away, drained into INBOX at login (may be null: no spool).
  std::shared_ptr<store::Spool> spool;
  // Running quota counters shared with the MX (quota/ledger.h); null: measured at each check.
  std::shared_ptr<quota::Ledger> quota_ledger;
};

class Server {
 public:
  explicit Server(std::shared_ptr<ServerContext> context, Endpoint endpoint);
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

}  // namespace sealmail::imap

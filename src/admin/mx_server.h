// Wiring of the MX for `serve` (issue 6): the SMTP listener, the router behind it (store, spool,
// forwards with SRS, webhooks) and the secrets they need; and of submission (issue 8): the
// `submission` (STARTTLS) and `submissions` (implicit TLS) listeners, their logins and the
// Submitter, which hands local recipients to the same router and the rest to the Outbox.
// Secrets are kept in files of the data directory (made on first start, mode 0600): `srs-secret`
// (SRS hashes), `webhook-secret` (HMAC key of webhook signatures), and `queue-key` (the
// outbound queue's encryption key, delivery/queue_store.h), and `greylist-secret` (the key of the
// greylist's triplet hashes, made when greylisting is first enabled; the store is greylist.sqlite).
#pragma once

#include <memory>

#include "core/config.h"
#include "core/runtime.h"
#include "core/submission_config.h"
#include "core/tls.h"
#include "delivery/outbound_queue.h"
#include "delivery/outbox.h"
#include "delivery/screening/screening_config.h"
#include "directory/directory.h"
#include "directory/login_cache.h"
#include "directory/rate_limiter.h"
#include "quota/ledger.h"
#include "store/registry.h"
#include "store/spool.h"

namespace sealmail::admin {

// What submission shares with the other listeners of serve.
struct SubmissionShared {
  std::shared_ptr<directory::LoginThrottle> throttle;  // the failed-login limits of IMAP and POP3
  std::shared_ptr<directory::LoginCache> logins;
  std::shared_ptr<directory::RateLimiter> limiter;  // the hourly send limits count here
  std::shared_ptr<delivery::Outbox> outbox;         // null: the outbound queue this MxServer starts
  SubmissionSettings settings;                      // [submission] of config.toml
};

class MxServer {
 public:
  // Null (with the reason in `error`) when a listener or a secret file cannot be set up; an
  // MxServer without `smtp`, `submission` or `submissions` listeners configured does nothing.
  static std::unique_ptr<MxServer> start(const Config& config, net::Runtime& runtime,
                                         std::shared_ptr<directory::Directory> directory,
                                         std::shared_ptr<store::MailboxRegistry> registry,
                                         std::shared_ptr<store::Spool> spool,
                                         std::shared_ptr<quota::Ledger> quota_ledger,
                                         std::shared_ptr<net::SslContext> tls, SubmissionShared submission,
                                         const delivery::screening::ScreeningConfig& screening, std::string& error);
  ~MxServer();
  void stop();
  // SIGHUP (issue 4): the settings of `config` that are read per session or per message (hostname
  // in greetings, [limits], [protections], [authentication], forwarding's [delivery] keys,
  // [submission]) for connections accepted from now on; sessions already open keep theirs. The
  // listeners, the SRS domain and the outbound queue's settings stay (they need a restart).
  // [dnsbl], [greylist] and [rspamd] (issue 9) follow too; the greylist store stays open.
  void reload(const Config& config, const SubmissionShared& submission,
              const delivery::screening::ScreeningConfig& screening);
  // The outbound queue (issue 8), started; its local deliveries (DSNs to our senders) go through
  // the router. Exists with or without the `smtp` listener.
  std::shared_ptr<delivery::OutboundQueue> queue() const;

 private:
  MxServer() = default;
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace sealmail::admin

// Wiring of the MX for `serve` (issue 6): the SMTP listener, the router behind it (store, spool,
// forwards with SRS, webhooks) and the secrets they need, kept in files of the data directory
// (made on first start, mode 0600): `srs-secret` (SRS hashes) and `webhook-secret` (HMAC key of
// webhook signatures), and `queue-key` (the outbound queue's encryption key, delivery/queue_store.h).
#pragma once

#include <memory>

#include "core/config.h"
#include "core/runtime.h"
#include "core/tls.h"
#include "delivery/outbound_queue.h"
#include "directory/directory.h"
#include "store/registry.h"
#include "store/spool.h"

namespace sealmail::admin {

class MxServer {
 public:
  // Null (with the reason in `error`) when the listener or a secret file cannot be set up; an
  // MxServer without an `smtp` listener configured does nothing.
  static std::unique_ptr<MxServer> start(const Config& config, net::Runtime& runtime,
                                         std::shared_ptr<directory::Directory> directory,
                                         std::shared_ptr<store::MailboxRegistry> registry,
                                         std::shared_ptr<store::Spool> spool, std::shared_ptr<net::SslContext> tls,
                                         std::string& error);
  ~MxServer();
  void stop();
  // The outbound queue (issue 8), started; its local deliveries (DSNs to our senders) go through
  // the router. Exists with or without the `smtp` listener.
  std::shared_ptr<delivery::OutboundQueue> queue() const;

 private:
  MxServer() = default;
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace sealmail::admin

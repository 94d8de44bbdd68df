// The outbound queue (DESIGN.md point 7, issue 8): the Outbox behind submission. enqueue() makes a
// message durable (queue_store.h: encrypted, fsynced) before it returns; a scheduler delivers what
// is due to the recipients' servers, retries what was deferred on the five-day schedule
// (smtp/outbound/retry.h), and tells the sender (a DSN, RFC 3464: smtp/outbound/dsn.h) about
// recipients that were refused or that expired.
//
// Delivery of one entry, per recipient domain: MX lookup (mx_resolver.h: MX, then the domain's own
// A/AAAA), then one SMTP session (smtp/client: STARTTLS opportunistic) per host until one answers
// about the recipients; every failure is classified (smtp/outbound/bounce.h) as defer or reject.
// What the destination publishes raises the bar per host: DANE (RFC 7672: TLSA records of a host
// whose MX answer and own addresses validated under DNSSEC) first, then MTA-STS (RFC 8461,
// enforce: only the hosts the policy names, over TLS verified for that name; testing: delivered as
// usual, each failure reported by reason and counted). A host
// that cannot meet it is skipped with 451 4.7.5, so the message is deferred, never sent weaker.
// Sessions are reused for the next message to the same host (connection_pool.h).
// Domains we host (a DSN to one of our senders) go to the local Delivery (the MX's router) instead.
//
// Rules it keeps:
// - At least once, as Postfix: the entry's state is written after each session. A crash after the
//   remote's 250 and before that write sends the message again to those recipients on restart
//   (the remote may see it twice); nothing acknowledged is ever lost.
// - A DSN is queued before the failed recipients' state is written: after a crash the sender may
//   get a report twice, never none.
// - No more than per_destination sessions at once to one domain, max_deliveries entries at once.
// - Logs carry queue ids, counts and classifications, never addresses, replies or content.
// - Recipients given up on are also reported to the sending alias's webhooks, if it has any
//   (bounce_event.h): best effort, three tries; the DSN is the durable report.
// - A finished entry (nothing pending) retires to the history, where its message is redacted after
//   the sender's domain's retention period (queue_history.h).
// - The queue's entries are also changed by the CLI (delete, retry markers): the scheduler reads
//   the directory on every tick and never writes back an entry that was deleted.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/runtime.h"
#include "delivery/answer_cache.h"
#include "delivery/connection_pool.h"
#include "delivery/dane/dane.h"
#include "delivery/destination_slots.h"
#include "delivery/forwarder.h"
#include "delivery/mtasts/mta_sts.h"
#include "delivery/mx_resolver.h"
#include "delivery/outbox.h"
#include "delivery/queue_history.h"
#include "delivery/queue_store.h"
#include "delivery/webhook.h"
#include "smtp/client/client.h"
#include "smtp/outbound/retry.h"
#include "smtp/server/delivery.h"

namespace sealmail::delivery {

struct QueueOptions {
  std::string hostname = "localhost";    // HELO, the DSN's Reporting-MTA and MAILER-DAEMON address
  std::vector<std::string> dns_servers;  // "ip:port"; empty: /etc/resolv.conf
  uint16_t port = 25;                    // of MX hosts (tests point it at their sinks)
  bool allow_private_addresses = false;  // MX hosts on loopback/private addresses (tests)
  smtp::client::TlsPolicy tls = smtp::client::TlsPolicy::opportunistic;
  bool verify_certificate = false;
  ForwardTimeouts timeouts;
  smtp::outbound::RetryPolicy retry;
  std::filesystem::path clock_file;  // see DeliveryConfig::clock_file
  size_t per_destination = 4;
  size_t max_deliveries = 64;
  std::chrono::milliseconds tick{500};            // how often the directory is read for due entries
  size_t file_threads = 16;                       // threads for the queue's file work (fsyncs)
  size_t max_attempts = 5;                        // connections per domain and attempt, over its hosts
  std::chrono::seconds bounce_webhook_retry{60};  // then 5 times that; three tries in all
  std::string ca_file;                            // extra trusted CAs (tests): certificate checks
  // MTA-STS (RFC 8461, mtasts/mta_sts.h): policies looked up and enforced; cached in cache_dir.
  bool mta_sts = true;
  std::filesystem::path mta_sts_cache_dir;
  uint16_t mta_sts_https_port = 443;
  // DANE (RFC 7672, dane/dane.h): on when a trust anchor file is given.
  std::filesystem::path dnssec_trust_anchor;
  // Connection reuse (connection_pool.h).
  size_t connection_max_messages = 20;
  std::chrono::milliseconds connection_idle{5000};
};

struct QueueParts {
  std::shared_ptr<QueueStore> store;
  // Our own domains (DSNs to our senders): delivered here instead of over SMTP. May be null.
  std::shared_ptr<smtp::Delivery> local;
  // Whether a domain is ours; blocking (the directory), called on the worker pool.
  std::function<bool(const std::string& domain)> is_local;
  // Where finished entries retire (queue_history.h). Null: they are deleted at once.
  std::shared_ptr<QueueHistory> history;
  // The retention period of a sender's domain, in days; blocking (the directory). Null, or a
  // domain it does not know: the directory's default (30).
  std::function<std::optional<int>(const std::string& domain)> retention_days;
  // Bounce webhooks (bounce_event.h): the webhook URLs of a sending alias; blocking (the
  // directory). Null, or no URLs: no POST.
  std::function<std::vector<std::string>(const std::string& alias)> bounce_webhooks;
  std::shared_ptr<WebhookSender> webhooks;
  std::string webhook_secret;  // the same HMAC secret as inbound webhooks (DATA/webhook-secret)
};

class OutboundQueue : public Outbox, public std::enable_shared_from_this<OutboundQueue> {
 public:
  OutboundQueue(net::Runtime& runtime, QueueParts parts, QueueOptions options);
  ~OutboundQueue() override;

  boost::asio::awaitable<Result<std::string>> enqueue(OutgoingMessage message) override;

  // Removes incomplete enqueues of an earlier run and starts the scheduler on the runtime.
  void start();
  // The scheduler starts nothing new; deliveries in flight finish.
  void stop();

  // The queue's clock (unix seconds): the clock file's time when configured, else real time.
  int64_t now() const;
  const std::shared_ptr<QueueStore>& store() const { return parts_.store; }

 private:
  struct DomainResult;
  static boost::asio::awaitable<void> run(std::shared_ptr<OutboundQueue> self);
  static boost::asio::awaitable<void> deliver(std::shared_ptr<OutboundQueue> self, std::string id);
  static boost::asio::awaitable<DomainResult> deliver_domain(std::shared_ptr<OutboundQueue> self, std::string domain,
                                                             std::string mail_from, std::vector<std::string> recipients,
                                                             std::shared_ptr<const std::string> message);
  // One message over a kept session to the host, or a new one (then kept for the next).
  static boost::asio::awaitable<smtp::client::SessionResult> send_via_pool(
      std::shared_ptr<OutboundQueue> self, boost::asio::ip::tcp::endpoint endpoint, std::string server_name,
      smtp::client::Security security, std::string mail_from, std::vector<std::string> recipients,
      std::shared_ptr<const std::string> message);
  static boost::asio::awaitable<void> post_bounce(std::shared_ptr<OutboundQueue> self, std::string alias,
                                                  std::string body);
  // Runs blocking queue-file work (fsyncs) on files_, not on the runtime's SQLite workers.
  template <typename F>
  boost::asio::awaitable<std::invoke_result_t<F>> on_files(F fn);

  // Blocking, on files_: reads the directory, and returns the ids due now (marked in flight).
  std::vector<std::string> scan();
  // The ids due now by what this process already knows (marked in flight); no I/O.
  std::vector<std::string> due_now(int64_t now);
  std::vector<std::string> take_due(int64_t now);  // with mutex_ held
  void finished(const std::string& id, std::optional<int64_t> next);
  // Blocking: moves a finished entry to the history (or deletes it when there is none).
  void retire(const QueueEntry& entry);
  // Blocking: the history's redactions and expiries, at most once a minute of the queue's clock.
  void sweep_history(int64_t now);
  void wake();
  // Queues a DSN for the failed (or delayed) recipients of `entry`; blocking.
  void queue_dsn(const QueueEntry& entry, const std::vector<size_t>& which, bool delayed, const std::string& original);

  net::Runtime& runtime_;
  QueueParts parts_;
  QueueOptions options_;
  smtp::client::Client client_;
  MxResolver resolver_;
  AnswerCache<MxResult> mx_cache_;           // successful MX lookups, for their TTL (a minute at most)
  std::unique_ptr<mtasts::MtaSts> mta_sts_;  // null: MTA-STS off
  std::unique_ptr<dane::Dane> dane_;         // null: DANE off
  ConnectionPool pool_;
  DestinationSlots slots_;
  // The queue's file work: each enqueue and retirement waits on fsync, which uses no CPU but
  // holds its thread; fsyncs issued together from several threads share the disk's flushes
  // (group commit by the kernel), so many threads here drain the queue several times faster than
  // the runtime's few SQLite workers would, and never hold up the mailboxes' work.
  // A pointer: the last owner of the queue may be one of these threads (a work item's copy of
  // the queue's shared_ptr at shutdown), which cannot join its own pool (~OutboundQueue).
  std::unique_ptr<boost::asio::thread_pool> files_;

  std::mutex mutex_;
  std::map<std::string, int64_t> next_;  // id -> next attempt (unix seconds)
  std::set<std::string> in_flight_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> woken_{false};  // wake() since the scheduler last looked
  std::shared_ptr<boost::asio::steady_timer> timer_;
  int64_t last_history_sweep_ = 0;  // scan()'s, which runs one at a time
};

}  // namespace sealmail::delivery

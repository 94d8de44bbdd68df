#include "admin/mx_server.h"

#include <map>

#include "admin/admin_api.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/snapshot.h"
#include "delivery/router.h"
#include "delivery/screening/screener.h"
#include "delivery/submission_auth.h"
#include "delivery/submitter.h"
#include "directory/rate_limiter.h"
#include "smtp/server/server.h"

namespace sealmail::admin {

namespace {

// The router behind metrics: sealmail_recipients_total (RCPT answers), sealmail_deliveries_total
// (messages, by the answer after DATA) and sealmail_delivery_seconds (routing one message: store,
// seal, forward, post). Labels are outcomes only, never addresses.
class MeteredDelivery final : public smtp::Delivery {
 public:
  explicit MeteredDelivery(std::shared_ptr<smtp::Delivery> inner) : inner_(std::move(inner)) {}

  boost::asio::awaitable<smtp::Reply> check_sender(const smtp::Envelope& envelope) override {
    auto check = inner_->check_sender(envelope);
    co_return co_await std::move(check);
  }

  boost::asio::awaitable<smtp::Reply> check_recipient(const smtp::Envelope& envelope, std::string address,
                                                      uint64_t declared_size) override {
    auto check = inner_->check_recipient(envelope, std::move(address), declared_size);
    smtp::Reply r = co_await std::move(check);
    metrics::global().counter("sealmail_recipients_total", "RCPT TO answers, by result.", label(r)).add();
    co_return r;
  }

  boost::asio::awaitable<smtp::Reply> deliver(smtp::Envelope envelope, std::shared_ptr<const std::string> message,
                                              std::string trace) override {
    static auto& seconds = metrics::global().histogram("sealmail_delivery_seconds", "Time to route one message.");
    auto started = std::chrono::steady_clock::now();
    auto work = inner_->deliver(std::move(envelope), std::move(message), std::move(trace));
    smtp::Reply r = co_await std::move(work);
    seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    metrics::global().counter("sealmail_deliveries_total", "Messages routed, by result.", label(r)).add();
    co_return r;
  }

 private:
  static const char* label(const smtp::Reply& r) {
    return r.positive() ? "result=\"accepted\"" : r.code < 500 ? "result=\"deferred\"" : "result=\"rejected\"";
  }
  std::shared_ptr<smtp::Delivery> inner_;
};

delivery::filters::FilterOptions content_filter_options(const ProtectionConfig& c) {
  delivery::filters::FilterOptions o;
  if (!c.clamd_socket.empty()) {
    delivery::filters::ClamdOptions clamd;
    clamd.socket = c.clamd_socket;
    clamd.timeout = std::chrono::milliseconds(c.clamd_timeout_ms);
    clamd.stream_max_bytes = c.clamd_stream_max_bytes;
    o.clamd = clamd;
  }
  o.defer_when_clamd_unavailable = c.clamd_unavailable_defer;
  o.shorteners = c.shorteners;
  return o;
}

// A Delivery that forwards each call to the Router of the moment: the outbound queue's local
// deliveries (DSNs to our senders) follow a SIGHUP like the MX's new sessions do.
class CurrentDelivery final : public smtp::Delivery {
 public:
  explicit CurrentDelivery(std::shared_ptr<Snapshot<smtp::Delivery>> current) : current_(std::move(current)) {}

  boost::asio::awaitable<smtp::Reply> check_sender(const smtp::Envelope& envelope) override {
    auto now = current_->get();
    auto check = now->check_sender(envelope);
    co_return co_await std::move(check);
  }
  boost::asio::awaitable<smtp::Reply> check_recipient(const smtp::Envelope& envelope, std::string address,
                                                      uint64_t declared_size) override {
    auto now = current_->get();
    auto check = now->check_recipient(envelope, std::move(address), declared_size);
    co_return co_await std::move(check);
  }
  boost::asio::awaitable<smtp::Reply> deliver(smtp::Envelope envelope, std::shared_ptr<const std::string> message,
                                              std::string trace) override {
    auto now = current_->get();
    auto work = now->deliver(std::move(envelope), std::move(message), std::move(trace));
    co_return co_await std::move(work);
  }

 private:
  std::shared_ptr<Snapshot<smtp::Delivery>> current_;
};

}  // namespace

// What lives as long as serve (listeners, secrets, the queue, the counts of connections and of
// copies made), and what a SIGHUP builds anew from the configuration (contexts, Router, Submitter).
struct MxServer::Parts {
  net::Runtime* runtime = nullptr;
  std::shared_ptr<directory::Directory> directory;
  std::shared_ptr<store::MailboxRegistry> registry;
  std::shared_ptr<store::Spool> spool;
  std::shared_ptr<quota::Ledger> quota_ledger;
  std::shared_ptr<net::SslContext> tls;
  std::string hook_secret;
  // SRS addresses name the hostname serve started with: bounces to the addresses handed out
  // before a reload must still come back (a new hostname for SRS needs a restart).
  std::shared_ptr<delivery::Srs> srs;
  std::shared_ptr<delivery::SentMemory> memory;
  std::shared_ptr<Snapshot<smtp::Delivery>> router = std::make_shared<Snapshot<smtp::Delivery>>(nullptr);
  std::shared_ptr<delivery::OutboundQueue> queue;
  std::shared_ptr<directory::ConnectionLimiter> connections = directory::ConnectionLimiter::create();
  std::map<std::string, std::unique_ptr<smtp::Server>> servers;  // by listener name
  std::filesystem::path data_dir;
  // Opened when greylisting is first enabled (at start or by a SIGHUP), then kept.
  std::shared_ptr<delivery::screening::Greylist> greylist;

  // The contexts of the three listeners for `config` (null where submission is not configured).
  struct Contexts {
    std::shared_ptr<smtp::ServerContext> smtp, submission, submissions;
  };
  Contexts build(const Config& config, const SubmissionShared& submission,
                 const delivery::screening::ScreeningConfig& screening);
  // The screening of the Router (null when nothing of it is configured).
  std::shared_ptr<delivery::screening::Screener> screener(const Config& config,
                                                          const delivery::screening::ScreeningConfig& screening,
                                                          const std::shared_ptr<delivery::auth::Authenticator>& auth,
                                                          const delivery::auth::DnsRecordsOptions& dns);
};

std::shared_ptr<delivery::screening::Screener> MxServer::Parts::screener(
    const Config& config, const delivery::screening::ScreeningConfig& screening,
    const std::shared_ptr<delivery::auth::Authenticator>& auth, const delivery::auth::DnsRecordsOptions& dns) {
  namespace scr = delivery::screening;
  if (!screening.any()) return nullptr;
  if (screening.greylist.enabled && !greylist) {
    auto secret = load_or_create_admin_token(data_dir / "greylist-secret");
    if (!secret) {
      log::warn("greylist: no secret, greylisting off", {{"error", secret.error().message}});
    } else {
      auto opened = scr::Greylist::open(data_dir / "greylist.sqlite", std::string(secret->view()));
      if (opened)
        greylist = std::move(*opened);
      else
        log::warn("greylist: cannot open its store, greylisting off", {{"error", opened.error().message}});
    }
  }
  scr::ScreenerParts sp;
  sp.directory = directory;
  // The resolver and cache of mail authentication when it runs; else one of the same kind.
  sp.dns = auth ? std::shared_ptr<delivery::auth::DnsRecords>(auth, &auth->dns())
                : std::make_shared<delivery::auth::DnsRecords>(dns);
  sp.greylist = greylist;
  sp.hostname = config.hostname;
  return std::make_shared<scr::Screener>(*runtime, std::move(sp), screening);
}

MxServer::Parts::Contexts MxServer::Parts::build(const Config& config, const SubmissionShared& submission,
                                                 const delivery::screening::ScreeningConfig& screening) {
  delivery::ForwardOptions forward;
  forward.helo_name = config.hostname;
  if (config.delivery.relay) forward.relay = config.delivery.relay->to_string();
  forward.dns_servers = config.delivery.dns_servers;
  forward.port = config.delivery.smtp_port;
  forward.allow_private_addresses = config.delivery.allow_private_targets;
  if (config.delivery.require_tls) {
    forward.tls = smtp::client::TlsPolicy::required;
    forward.verify_certificate = true;
  }
  delivery::WebhookOptions hooks;
  hooks.timeout = std::chrono::seconds(config.delivery.webhook_timeout_seconds);
  hooks.allow_private_addresses = config.delivery.allow_private_targets;

  delivery::RouterParts route;
  route.directory = directory;
  route.registry = registry;
  route.spool = spool;
  route.forwarder = std::make_shared<delivery::Forwarder>(*runtime, forward);
  route.webhooks = std::make_shared<delivery::WebhookSender>(*runtime, hooks);
  route.srs = srs;
  route.filter = std::make_shared<delivery::filters::ContentFilter>(content_filter_options(config.protections));
  route.spam =
      std::make_shared<delivery::filters::SpamFilter>(delivery::filters::SpamFilter::model_file(config.data_dir));
  delivery::auth::DnsRecordsOptions auth_dns;
  // Its own resolver if set, else the one forwarding's MX lookups use.
  auth_dns.servers =
      config.authentication.dns_servers.empty() ? config.delivery.dns_servers : config.authentication.dns_servers;
  route.authenticator = std::make_shared<delivery::auth::Authenticator>(config.hostname, auth_dns);
  route.memory = memory;
  route.quota_ledger = quota_ledger;
  delivery::RouterOptions options;
  options.data_dir = config.data_dir;
  options.webhook_secret = hook_secret;
  const auto& ac = config.authentication;
  options.authentication = {ac.spf, ac.dkim, ac.dmarc, ac.arc, ac.enforce_dmarc};
  options.authentication_off_domains = ac.disabled_domains;
  if (!ac.spf && !ac.dkim && !ac.dmarc && !ac.arc) route.authenticator.reset();
  route.screener = screener(config, screening, route.authenticator, auth_dns);
  auto fresh_router = std::make_shared<delivery::Router>(*runtime, std::move(route), std::move(options));
  if (!memory) memory = fresh_router->memory();
  router->set(fresh_router);

  uint32_t per_ip = config.limits.max_connections_per_ip;
  // One connection count per IP over the three listeners: a client is one client whichever port.
  net::Listener::Admit admit = [connections = connections, per_ip](const std::string& ip) -> std::shared_ptr<void> {
    auto ticket = connections->try_acquire("smtp:" + ip, per_ip);
    if (!ticket) return nullptr;
    return std::make_shared<directory::ConnectionLimiter::Ticket>(std::move(*ticket));
  };
  smtp::ServerOptions server;
  server.listener = "smtp";
  server.hostname = config.hostname;
  server.max_message_bytes = config.limits.max_message_bytes;
  server.max_recipients = config.limits.max_recipients;
  Contexts out;
  out.smtp = std::make_shared<smtp::ServerContext>(
      smtp::ServerContext{*runtime, std::make_shared<MeteredDelivery>(fresh_router), tls, server, admit, nullptr});
  if (!config.listen.count("submission") && !config.listen.count("submissions")) return out;

  delivery::SubmitterParts sub;
  sub.directory = directory;
  sub.local = fresh_router;
  sub.outbox = submission.outbox ? submission.outbox : queue;
  sub.limiter = submission.limiter;
  sub.registry = registry;
  delivery::SubmitterOptions sub_options;
  sub_options.data_dir = config.data_dir;
  sub_options.messages_per_hour = submission.settings.messages_per_hour;
  sub_options.recipients_per_hour = submission.settings.recipients_per_hour;
  sub_options.save_sent_copies = submission.settings.save_sent_copies;
  auto submitter = std::make_shared<delivery::Submitter>(*runtime, std::move(sub), std::move(sub_options));
  auto authenticator =
      std::make_shared<delivery::SubmissionAuthenticator>(*runtime, directory, submission.logins, submission.throttle);
  if (submission.settings.save_sent_copies) authenticator->open_mailboxes(registry, config.data_dir);
  for (const char* name : {"submission", "submissions"}) {
    smtp::ServerOptions options = server;
    options.listener = name;
    options.submission = true;
    options.implicit_tls = std::string_view(name) == "submissions";
    auto context = std::make_shared<smtp::ServerContext>(smtp::ServerContext{
        *runtime, std::make_shared<MeteredDelivery>(submitter), tls, options, admit, authenticator});
    (std::string_view(name) == "submission" ? out.submission : out.submissions) = context;
  }
  return out;
}

MxServer::~MxServer() = default;

void MxServer::stop() {
  for (auto& [name, s] : parts_->servers) s->stop();
  if (parts_->queue) parts_->queue->stop();
}

std::shared_ptr<delivery::OutboundQueue> MxServer::queue() const { return parts_->queue; }

void MxServer::reload(const Config& config, const SubmissionShared& submission,
                      const delivery::screening::ScreeningConfig& screening) {
  auto contexts = parts_->build(config, submission, screening);
  for (auto& [name, server] : parts_->servers) {
    auto& context = name == "smtp" ? contexts.smtp : name == "submission" ? contexts.submission : contexts.submissions;
    if (context) server->reconfigure(context);
  }
}

std::unique_ptr<MxServer> MxServer::start(const Config& config, net::Runtime& runtime,
                                          std::shared_ptr<directory::Directory> directory,
                                          std::shared_ptr<store::MailboxRegistry> registry,
                                          std::shared_ptr<store::Spool> spool,
                                          std::shared_ptr<quota::Ledger> quota_ledger,
                                          std::shared_ptr<net::SslContext> tls, SubmissionShared submission,
                                          const delivery::screening::ScreeningConfig& screening, std::string& error) {
  std::unique_ptr<MxServer> mx(new MxServer());
  mx->parts_ = std::make_unique<Parts>();
  auto& parts = *mx->parts_;
  parts.runtime = &runtime;
  parts.directory = directory;
  parts.registry = registry;
  parts.spool = spool;
  parts.quota_ledger = std::move(quota_ledger);
  parts.tls = tls;
  parts.data_dir = config.data_dir;
  // The secrets are read as the admin token is: hex in a 0600 file, made once.
  auto srs_secret = load_or_create_admin_token(config.data_dir / "srs-secret");
  auto hook_secret = load_or_create_admin_token(config.data_dir / "webhook-secret");
  if (!srs_secret || !hook_secret) {
    error = !srs_secret ? srs_secret.error().message : hook_secret.error().message;
    return nullptr;
  }
  parts.srs = std::make_shared<delivery::Srs>(std::string(srs_secret->view()), config.hostname);
  parts.hook_secret = std::string(hook_secret->view());

  // The outbound queue: its key beside the other secrets, outside the queue directory. Its
  // settings stay those serve started with (a restart changes them).
  auto queue_key = delivery::load_or_create_queue_key(delivery::QueueStore::key_file_in(config.data_dir));
  if (!queue_key) {
    error = queue_key.error().message;
    return nullptr;
  }
  auto queue_store = delivery::QueueStore::open(delivery::QueueStore::dir_in(config.data_dir), std::move(*queue_key));
  if (!queue_store) {
    error = queue_store.error().message;
    return nullptr;
  }
  auto history =
      delivery::QueueHistory::open(delivery::QueueHistory::dir_in(config.data_dir), (*queue_store)->sealer());
  if (!history) {
    error = history.error().message;
    return nullptr;
  }
  delivery::QueueOptions qo;
  qo.hostname = config.hostname;
  qo.dns_servers = config.delivery.dns_servers;
  qo.port = config.delivery.smtp_port;
  qo.allow_private_addresses = config.delivery.allow_private_targets;
  if (config.delivery.require_tls) {
    qo.tls = smtp::client::TlsPolicy::required;
    qo.verify_certificate = true;
  }
  qo.clock_file = config.delivery.clock_file;
  qo.ca_file = config.delivery.extra_ca_file.string();
  qo.mta_sts = config.delivery.mta_sts;
  qo.mta_sts_cache_dir = config.data_dir / "mta-sts";
  qo.mta_sts_https_port = config.delivery.mta_sts_https_port;
  if (config.delivery.dane) {
    // Debian's dns-root-data: the root zone's trust anchor, when no other is configured.
    qo.dnssec_trust_anchor = config.delivery.dnssec_trust_anchor.empty()
                                 ? std::filesystem::path("/usr/share/dns/root.key")
                                 : config.delivery.dnssec_trust_anchor;
  }
  qo.connection_max_messages = config.delivery.connection_max_messages;
  qo.connection_idle = std::chrono::seconds(config.delivery.connection_idle_seconds);
  qo.per_destination = config.delivery.queue_per_destination;
  qo.max_deliveries = config.delivery.queue_max_deliveries;
  delivery::QueueParts qp;
  qp.store = *queue_store;
  qp.local = std::make_shared<CurrentDelivery>(parts.router);
  qp.is_local = [directory](const std::string& domain) { return directory->find_domain(domain).ok(); };
  qp.history = *history;
  // Bounce webhooks of the queue: a sender of its own, with the settings serve started with.
  delivery::WebhookOptions queue_hooks;
  queue_hooks.timeout = std::chrono::seconds(config.delivery.webhook_timeout_seconds);
  queue_hooks.allow_private_addresses = config.delivery.allow_private_targets;
  qp.webhooks = std::make_shared<delivery::WebhookSender>(runtime, queue_hooks);
  qp.webhook_secret = std::string(hook_secret->view());
  qp.bounce_webhooks = [directory](const std::string& alias) -> std::vector<std::string> {
    auto a = directory->find_alias(alias);
    return a ? a->webhooks : std::vector<std::string>{};
  };
  qp.retention_days = [directory](const std::string& domain) -> std::optional<int> {
    auto d = directory->find_domain(domain);
    if (!d) return std::nullopt;
    return d->retention_days;
  };
  parts.queue = std::make_shared<delivery::OutboundQueue>(runtime, std::move(qp), std::move(qo));

  auto contexts = parts.build(config, submission, screening);  // the Router exists before the queue starts
  parts.queue->start();

  for (const char* name : {"smtp", "submission", "submissions"}) {
    auto it = config.listen.find(name);
    if (it == config.listen.end()) continue;
    auto& context = std::string_view(name) == "smtp"         ? contexts.smtp
                    : std::string_view(name) == "submission" ? contexts.submission
                                                             : contexts.submissions;
    auto s = std::make_unique<smtp::Server>(context, it->second);
    auto st = s->start();
    if (!st) {
      error = st.error().message;
      return nullptr;
    }
    log::info("listening", {{"listener", name}, {"address", it->second.to_string()}});
    parts.servers.emplace(name, std::move(s));
  }
  return mx;
}

}  // namespace sealmail::admin

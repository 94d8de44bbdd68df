#include "admin/serve_command.h"

#include <malloc.h>
#include <sys/stat.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

#include "admin/admin_api.h"
#include "admin/background_indexer.h"
#include "admin/http_server.h"
#include "admin/mx_server.h"
#include "admin/serve_lock.h"
#include "backup/scheduler.h"
#include "backup/wal_shipper.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/runtime.h"
#include "core/tls.h"
#include "delivery/junk_refile.h"
#include "delivery/pgp/wkd.h"
#include "imap/server/server.h"
#include "pop3/server/server.h"
#include "quota/ledger.h"
#include "store/registry.h"
#include "store/spool.h"

namespace sealmail::admin {

namespace asio = net::asio;

namespace {

struct TlsFiles {
  std::filesystem::path certificate, key;
};

TlsFiles tls_files(const Config& c) {
  if (!c.tls_certificate.empty()) return {c.tls_certificate, c.tls_key};
  return {c.data_dir / "tls" / "certificate.pem", c.data_dir / "tls" / "key.pem"};
}

// Loads (or first makes) the certificate; listeners that speak TLS take the context from here.
Result<std::shared_ptr<net::SslContext>> load_tls(const Config& c) {
  auto files = tls_files(c);
  if (c.tls_certificate.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(files.certificate.parent_path(), ec);
    ::chmod(files.certificate.parent_path().c_str(), 0700);
    SEALMAIL_TRY(net::ensure_self_signed(files.certificate, files.key, c.hostname));
  }
  return net::make_server_tls(files.certificate, files.key);
}

// SIGHUP: the certificate and key (the configured files, else the self-signed pair) for every
// handshake from now on (core/tls.h: reload_server_tls).
Status reload_tls(const Config& c, net::SslContext& serving) {
  auto files = tls_files(c);
  if (c.tls_certificate.empty()) SEALMAIL_TRY(net::ensure_self_signed(files.certificate, files.key, c.hostname));
  return net::reload_server_tls(serving, files.certificate, files.key);
}

// After SIGTERM the io_context runs until what is in flight has finished; if that takes longer
// than the deadline, this stops it (the harder cancel).
class ShutdownWatchdog {
 public:
  explicit ShutdownWatchdog(net::Runtime& runtime) : runtime_(runtime) {}
  ~ShutdownWatchdog() { disarm(); }
  void arm(std::chrono::seconds deadline) {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    thread_ = std::thread([this, deadline] {
      std::unique_lock lock(mutex_);
      if (!cv_.wait_for(lock, deadline, [this] { return done_; })) {
        log::warn("shutdown_deadline_passed");
        runtime_.stop();
      }
    });
  }
  void disarm() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  net::Runtime& runtime_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

std::optional<std::filesystem::path> config_path(const std::string& flag, const std::filesystem::path& data_dir) {
  if (!flag.empty()) return std::filesystem::path(flag);
  auto in_data = data_dir / "config.toml";
  std::error_code ec;
  if (std::filesystem::exists(in_data, ec)) return in_data;
  return std::nullopt;
}

// The keys read only at start (sockets are bound, threads made, the queue started). A SIGHUP
// that changes one leaves it as it was and says so, naming the key.
std::vector<std::string> restart_keys(const Config& running, const Config& fresh) {
  std::vector<std::string> keys;
  for (const char* name : kListenerNames) {
    auto a = running.listen.find(name), b = fresh.listen.find(name);
    bool had = a != running.listen.end(), has = b != fresh.listen.end();
    if (had != has || (had && a->second.to_string() != b->second.to_string()))
      keys.push_back(std::string("listen.") + name);
  }
  if (running.io_threads != fresh.io_threads) keys.push_back("runtime.io_threads");
  if (running.worker_threads != fresh.worker_threads) keys.push_back("runtime.worker_threads");
  const auto &r = running.delivery, &f = fresh.delivery;
  if (r.queue_per_destination != f.queue_per_destination) keys.push_back("delivery.queue_per_destination");
  if (r.queue_max_deliveries != f.queue_max_deliveries) keys.push_back("delivery.queue_max_deliveries");
  if (r.clock_file != f.clock_file) keys.push_back("delivery.clock_file");
  return keys;
}

// The listener options of IMAP and POP3 that come from the configuration.
void set_options(imap::ServerOptions& o, const Config& c) {
  o.allow_plaintext_on_loopback = c.plaintext_on_loopback;
  o.hostname = c.hostname;
  o.data_dir = c.data_dir;
  o.max_message_bytes = c.limits.max_message_bytes;
  o.max_connections_per_ip = c.limits.max_connections_per_ip;
}
void set_options(pop3::ServerOptions& o, const Config& c) {
  o.allow_plaintext_on_loopback = c.plaintext_on_loopback;
  o.data_dir = c.data_dir;
  o.max_connections_per_ip = c.limits.max_connections_per_ip;
}

int serve(const std::filesystem::path& data_dir, const std::string& config_flag) {
  auto cfg_file = config_path(config_flag, data_dir);
  auto config = load_config(data_dir, cfg_file);
  if (!config) {
    std::fprintf(stderr, "sealmail: %s\n", config.error().message.c_str());
    return 1;
  }
  log::set_level(config->log_level);
  std::error_code ec;
  std::filesystem::create_directories(config->data_dir, ec);
  if (ec) {
    std::fprintf(stderr, "sealmail: cannot create data directory %s: %s\n", config->data_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  ::chmod(config->data_dir.c_str(), 0700);
  auto serve_lock = ServeLock::acquire(config->data_dir);
  if (!serve_lock) {
    std::fprintf(stderr, "sealmail: %s\n", serve_lock.error().message.c_str());
    return 1;
  }
  auto tls = load_tls(*config);
  if (!tls) {
    std::fprintf(stderr, "sealmail: %s\n", tls.error().message.c_str());
    return 1;
  }
  auto token = load_or_create_admin_token(config->admin_token_file());
  if (!token) {
    std::fprintf(stderr, "sealmail: %s\n", token.error().message.c_str());
    return 1;
  }

  directory::DirectoryOptions dir_options;
  dir_options.aliases_per_domain_per_day = config->limits.aliases_per_domain_per_day;
  auto dir = directory::open_sqlite_directory(config->directory_file(), dir_options);
  if (!dir) {
    std::fprintf(stderr, "sealmail: %s\n", dir.error().message.c_str());
    return 1;
  }
  // Message bodies pass through the server in buffers of megabytes. glibc raises its mmap
  // threshold each time such a buffer is freed, after which they come from the heap arenas (one per
  // thread) and their pages stay with the process; a fixed threshold keeps every large buffer in
  // its own mapping, returned to the system when freed, so memory follows what is in flight.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  net::Runtime runtime(config->io_threads, config->worker_threads);
  auto limiter = std::make_shared<directory::InMemoryRateLimiter>();
  auto context = std::make_shared<AdminContext>(AdminContext{
      *config, std::move(*token), &runtime, std::shared_ptr<directory::Directory>(std::move(*dir)), limiter});
  context->live->set(std::make_shared<const AdminContext::Live>(
      AdminContext::Live{config->hostname, make_token_throttle(config->limits, *limiter), nullptr}));
  context->config_file = cfg_file;
  // [openpgp] (issue 9) is read when a WKD lookup is made; a bad key stops the start here instead.
  if (auto wkd = delivery::pgp::load_wkd_options(cfg_file); !wkd) {
    std::fprintf(stderr, "sealmail: %s\n", wkd.error().message.c_str());
    return 1;
  }
  std::unique_ptr<HttpServer> admin_http;
  if (auto it = config->listen.find("admin"); it != config->listen.end()) {
    admin_http = std::make_unique<HttpServer>(runtime, it->second, make_admin_handler(context),
                                              config->limits.max_connections_per_ip, *tls);
    auto st = admin_http->start();
    if (!st) {
      std::fprintf(stderr, "sealmail: %s\n", st.error().message.c_str());
      return 1;
    }
    log::info("listening", {{"listener", "admin"}, {"address", it->second.to_string()}});
    // The CLI finds the server here (a password change must end the owner's sessions first).
    Endpoint bound{it->second.host, admin_http->port()};
    if (auto st = serve_lock->publish_admin(bound); !st)
      log::warn("serve_lock_not_written", {{"error", st.error().message}});
  }
  // The protocol servers share the open mailboxes (one key derivation per owner) and the login
  // throttle (a password guessed over IMAP counts against the same address over POP3).
  auto registry = std::make_shared<store::MailboxRegistry>();
  context->registry = registry;
  // One sealed spool for every listener (store/spool.h): the MX appends, logins drain.
  auto spool = std::make_shared<store::Spool>(store::spool_dir(config->data_dir));
  context->spool = spool;
  // Issue 9: at the drain, the owner's junk training files waiting mail again (junk_refile.h).
  spool->set_refiler([junk = std::make_shared<delivery::filters::SpamFilter>(delivery::filters::SpamFilter::model_file(
                          config->data_dir))](store::Mailbox& mailbox, store::AppendRequest& request) {
    delivery::refile_junk(*junk, mailbox, request);
  });
  // Quota usage as running counters (issue 4): every mailbox the registry opens is followed.
  auto quota_ledger = quota::Ledger::create(config->data_dir, registry, spool);
  quota_ledger->observe(*registry);
  auto throttle = make_token_throttle(config->limits, *limiter);  // the configured failed-login limits
  auto logins = std::make_shared<directory::LoginCache>();
  std::vector<std::unique_ptr<imap::Server>> imap_servers;
  for (const char* name : {"imap", "imaps"}) {
    auto it = config->listen.find(name);
    if (it == config->listen.end()) continue;
    imap::ServerOptions options;
    options.listener = name;
    options.implicit_tls = std::string_view(name) == "imaps";
    set_options(options, *config);
    auto imap_context = std::make_shared<imap::ServerContext>(
        imap::ServerContext{runtime, context->directory, registry, throttle, *tls, options, logins});
    imap_context->spool = spool;
    imap_context->quota_ledger = quota_ledger;
    auto server = std::make_unique<imap::Server>(imap_context, it->second);
    auto st = server->start();
    if (!st) {
      std::fprintf(stderr, "sealmail: %s\n", st.error().message.c_str());
      return 1;
    }
    log::info("listening", {{"listener", name}, {"address", it->second.to_string()}});
    imap_servers.push_back(std::move(server));
  }
  // POP3: both listeners share one set of maildrop locks (one POP3 session per maildrop, whichever
  // port it came through) and one cache of message sizes.
  std::vector<std::unique_ptr<pop3::Server>> pop3_servers;
  auto maildrop_locks = pop3::MaildropLocks::create();
  auto pop3_sizes = std::make_shared<pop3::SizeCache>();
  for (const char* name : {"pop3", "pop3s"}) {
    auto it = config->listen.find(name);
    if (it == config->listen.end()) continue;
    pop3::ServerOptions options;
    options.listener = name;
    options.implicit_tls = std::string_view(name) == "pop3s";
    set_options(options, *config);
    auto pop3_context = std::make_shared<pop3::ServerContext>(pop3::ServerContext{
        runtime, context->directory, registry, throttle, *tls, options, maildrop_locks, pop3_sizes});
    pop3_context->spool = spool;
    auto server = std::make_unique<pop3::Server>(pop3_context, it->second);
    auto st = server->start();
    if (!st) {
      std::fprintf(stderr, "sealmail: %s\n", st.error().message.c_str());
      return 1;
    }
    log::info("listening", {{"listener", name}, {"address", it->second.to_string()}});
    pop3_servers.push_back(std::move(server));
  }
  // The MX (issue 6): SMTP in, routed to mailboxes (live or sealed in the spool), forwards and
  // webhooks.
  std::string mx_error;
  // Submission (issue 8) shares the login limits and cache of IMAP and POP3; mail to other
  // domains goes into the outbound queue the MxServer starts.
  auto submission_settings = load_submission_settings(cfg_file);
  if (!submission_settings) {
    std::fprintf(stderr, "sealmail: %s\n", submission_settings.error().message.c_str());
    return 1;
  }
  SubmissionShared submission{throttle, logins, limiter, nullptr, *submission_settings};
  // [dnsbl], [greylist] and [rspamd] (issue 9): a bad key stops the start here.
  auto screening = delivery::screening::load_screening_config(cfg_file);
  if (!screening) {
    std::fprintf(stderr, "sealmail: %s\n", screening.error().message.c_str());
    return 1;
  }
  auto mx = MxServer::start(*config, runtime, context->directory, registry, spool, quota_ledger, *tls, submission,
                            *screening, mx_error);
  if (!mx) {
    std::fprintf(stderr, "sealmail: %s\n", mx_error.c_str());
    return 1;
  }
  BackgroundIndexer indexer(runtime, registry);
  indexer.start();
  // Backups (issue 10): open mailboxes whose last backup is older than the interval, and the
  // admin API's requests.
  std::unique_ptr<backup::Scheduler> backup_schedule;
  auto backup_config = backup::load_backup_config(cfg_file);
  if (!backup_config) {
    std::fprintf(stderr, "sealmail: %s\n", backup_config.error().message.c_str());
    return 1;
  }
  if (!backup_config->target.empty()) {
    auto service = backup::Service::create(*backup_config, config->data_dir);
    if (!service) {
      std::fprintf(stderr, "sealmail: %s\n", service.error().message.c_str());
      return 1;
    }
    auto live = std::make_shared<AdminContext::Live>(*context->live->get());
    live->backups = *service;
    context->live->set(live);
    backup_schedule = std::make_unique<backup::Scheduler>(runtime, registry, *service);
    backup_schedule->start();
  }
  // Continuous protection (issue 10): open mailboxes' encrypted WAL frames shipped as they are
  // written. Read at start only: a reload that changes it needs a restart.
  std::unique_ptr<backup::WalShipper> wal_shipper;
  if (backup_config->continuous) {
    auto shipper = backup::WalShipper::create(registry, *backup_config, config->data_dir);
    if (!shipper) {
      std::fprintf(stderr, "sealmail: %s\n", shipper.error().message.c_str());
      return 1;
    }
    wal_shipper = std::move(*shipper);
    wal_shipper->start();
  }
  metrics::global().gauge("sealmail_up", "1 while the server runs.").set(1);

  // SIGHUP (issue 4, as `doveadm reload` and `postfix reload` do): the configuration is read
  // again and everything that can be built from it is built before anything is swapped in, so a
  // bad file changes nothing (one error line naming the key). Then connections, commands and
  // messages that start from now on use the new settings; sessions already open keep theirs.
  std::shared_ptr<const Config> running = std::make_shared<const Config>(*config);
  auto reload = [&] {
    auto fail = [](const std::string& reason) { log::error("reload_failed", {{"reason", reason}}); };
    auto fresh = load_config(data_dir, cfg_file);
    if (!fresh) return fail(fresh.error().message);
    auto fresh_submission = load_submission_settings(cfg_file);
    if (!fresh_submission) return fail(fresh_submission.error().message);
    auto fresh_backup = backup::load_backup_config(cfg_file);
    if (!fresh_backup) return fail(fresh_backup.error().message);
    auto fresh_screening = delivery::screening::load_screening_config(cfg_file);
    if (!fresh_screening) return fail(fresh_screening.error().message);
    std::shared_ptr<backup::Service> fresh_service;
    if (!fresh_backup->target.empty()) {
      auto service = backup::Service::create(*fresh_backup, config->data_dir);
      if (!service) return fail(service.error().message);
      fresh_service = *service;
    }
    // The last step that can fail; it changes nothing when it does.
    if (auto st = reload_tls(*fresh, **tls); !st) return fail(st.error().message);

    for (const auto& key : restart_keys(*running, *fresh))
      log::warn("reload_needs_restart", {{"key", key}, {"detail", "changed; needs a restart, the old value stays"}});
    // The shipper keeps the [backup] table it started with (its generations are in flight).
    const auto &was = *backup_config, &now = *fresh_backup;
    bool shipper_changed =
        was.continuous &&
        (was.ship_seconds != now.ship_seconds || was.target != now.target || was.endpoint != now.endpoint ||
         was.bucket != now.bucket || was.prefix != now.prefix || was.keep != now.keep ||
         was.generation_seconds != now.generation_seconds || was.continuous_buffer_mb != now.continuous_buffer_mb);
    if (was.continuous != now.continuous || shipper_changed)
      log::warn("reload_needs_restart",
                {{"key", "backup.continuous"}, {"detail", "continuous protection keeps its settings until a restart"}});
    // Keep what cannot change at run time as it is, so that the next reload compares with it.
    fresh->listen = running->listen;
    fresh->io_threads = running->io_threads;
    fresh->worker_threads = running->worker_threads;
    fresh->delivery.queue_per_destination = running->delivery.queue_per_destination;
    fresh->delivery.queue_max_deliveries = running->delivery.queue_max_deliveries;
    fresh->delivery.clock_file = running->delivery.clock_file;

    log::set_level(fresh->log_level);
    if (admin_http) admin_http->set_max_connections_per_ip(fresh->limits.max_connections_per_ip);
    context->directory->set_aliases_per_domain_per_day(fresh->limits.aliases_per_domain_per_day);
    // A new throttle over the same counts: failures before the reload still count.
    auto fresh_throttle = make_token_throttle(fresh->limits, *limiter);
    for (auto& server : imap_servers) {
      auto next = std::make_shared<imap::ServerContext>(*server->context());
      set_options(next->options, *fresh);
      next->throttle = fresh_throttle;
      server->reconfigure(next);
    }
    for (auto& server : pop3_servers) {
      auto next = std::make_shared<pop3::ServerContext>(*server->context());
      set_options(next->options, *fresh);
      next->throttle = fresh_throttle;
      server->reconfigure(next);
    }
    SubmissionShared next_submission{fresh_throttle, logins, limiter, nullptr, *fresh_submission};
    mx->reload(*fresh, next_submission, *fresh_screening);
    context->live->set(std::make_shared<const AdminContext::Live>(
        AdminContext::Live{fresh->hostname, make_token_throttle(fresh->limits, *limiter), fresh_service}));
    if (backup_schedule) backup_schedule->stop();
    backup_schedule.reset();
    if (fresh_service) {
      backup_schedule = std::make_unique<backup::Scheduler>(runtime, registry, fresh_service);
      backup_schedule->start();
    }
    running = std::make_shared<const Config>(std::move(*fresh));
    log::info("reloaded", {{"config", cfg_file ? cfg_file->string() : "defaults"}});
  };

  asio::signal_set signals(runtime.io(), SIGTERM, SIGINT, SIGHUP);
  ShutdownWatchdog watchdog(runtime);
  std::function<void()> wait_signal;
  wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& e, int sig) {
      if (e) return;
      if (sig == SIGHUP) {
        reload();
        wait_signal();
        return;
      }
      log::info("shutdown", {{"signal", sig == SIGTERM ? "TERM" : "INT"}});
      // Stop accepting, let what is in flight finish, and stop harder at the deadline.
      if (admin_http) admin_http->stop();
      for (auto& server : imap_servers) server->stop();
      for (auto& server : pop3_servers) server->stop();
      mx->stop();
      signals.cancel();
      indexer.stop();
      if (backup_schedule) backup_schedule->stop();
      watchdog.arm(running->shutdown_deadline);
    });
  };
  wait_signal();
  log::info("started", {{"data_dir", config->data_dir.string()}, {"hostname", config->hostname}});
  runtime.run();
  watchdog.disarm();
  if (wal_shipper) wal_shipper->stop();  // uploads what the last commits left queued
  log::info("stopped");
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, std::string& data_dir, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "run the server (embedded defaults on loopback without a config)");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config, "TOML configuration file (default: DATA_DIR/config.toml if present)");
  cmd->callback([&data_dir, config, &exit_code] { exit_code = serve(data_dir, *config); });
}

}  // namespace sealmail::admin

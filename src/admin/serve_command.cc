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
#include "core/log.h"
#include "core/metrics.h"
#include "core/runtime.h"
#include "core/tls.h"
#include "imap/server/server.h"
#include "pop3/server/server.h"
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
  auto context = std::make_shared<AdminContext>(AdminContext{*config, std::move(*token), &runtime,
                                                             std::shared_ptr<directory::Directory>(std::move(*dir)),
                                                             limiter, make_token_throttle(config->limits, *limiter)});
  std::unique_ptr<HttpServer> admin_http;
  if (auto it = config->listen.find("admin"); it != config->listen.end()) {
    admin_http = std::make_unique<HttpServer>(runtime, it->second, make_admin_handler(context),
                                              config->limits.max_connections_per_ip);
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
  auto throttle = make_token_throttle(config->limits, *limiter);  // the configured failed-login limits
  auto logins = std::make_shared<directory::LoginCache>();
  std::vector<std::unique_ptr<imap::Server>> imap_servers;
  for (const char* name : {"imap", "imaps"}) {
    auto it = config->listen.find(name);
    if (it == config->listen.end()) continue;
    imap::ServerOptions options;
    options.listener = name;
    options.implicit_tls = std::string_view(name) == "imaps";
    options.allow_plaintext_on_loopback = config->plaintext_on_loopback;
    options.hostname = config->hostname;
    options.data_dir = config->data_dir;
    options.max_message_bytes = config->limits.max_message_bytes;
    options.max_connections_per_ip = config->limits.max_connections_per_ip;
    auto imap_context = std::make_shared<imap::ServerContext>(
        imap::ServerContext{runtime, context->directory, registry, throttle, *tls, options, logins});
    imap_context->spool = spool;
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
    options.allow_plaintext_on_loopback = config->plaintext_on_loopback;
    options.data_dir = config->data_dir;
    options.max_connections_per_ip = config->limits.max_connections_per_ip;
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
  auto mx = MxServer::start(*config, runtime, context->directory, registry, spool, *tls, submission, mx_error);
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
    context->backups = *service;
    backup_schedule = std::make_unique<backup::Scheduler>(runtime, registry, *service);
    backup_schedule->start();
  }
  metrics::global().gauge("sealmail_up", "1 while the server runs.").set(1);

  asio::signal_set signals(runtime.io(), SIGTERM, SIGINT, SIGHUP);
  ShutdownWatchdog watchdog(runtime);
  std::function<void()> wait_signal;
  wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& e, int sig) {
      if (e) return;
      if (sig == SIGHUP) {
        auto fresh = load_config(data_dir, cfg_file);
        if (!fresh) {
          log::error("reload_failed", {{"reason", fresh.error().message}});
        } else if (auto t = reload_tls(*fresh, **tls); !t) {
          log::error("reload_failed", {{"reason", t.error().message}});
        } else {
          log::set_level(fresh->log_level);
          context->config = *fresh;  // the admin handler reads it per request
          log::info("reloaded", {{"config", cfg_file ? cfg_file->string() : "defaults"}});
        }
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
      watchdog.arm(config->shutdown_deadline);
    });
  };
  wait_signal();
  log::info("started", {{"data_dir", config->data_dir.string()}, {"hostname", config->hostname}});
  runtime.run();
  watchdog.disarm();
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

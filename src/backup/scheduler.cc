#include "backup/scheduler.h"

#include <ctime>

#include "core/log.h"
#include "core/metrics.h"

namespace sealmail::backup {

namespace asio = net::asio;

struct Scheduler::State {
  net::Runtime& runtime;
  std::shared_ptr<store::MailboxRegistry> registry;
  std::shared_ptr<Service> service;
  asio::steady_timer timer;
  bool stopped = false;

  State(net::Runtime& r, std::shared_ptr<store::MailboxRegistry> reg, std::shared_ptr<Service> s)
      : runtime(r), registry(std::move(reg)), service(std::move(s)), timer(r.io()) {}
};

namespace {

// One pass over the open mailboxes (on the worker pool). Mailbox ids are random (they name
// neither owner nor address), so they may appear in the log.
void backup_due(store::MailboxRegistry& registry, Service& service) {
  auto& uploaded = metrics::global().counter("sealmail_backups_uploaded_total", "Backups uploaded.");
  auto& unchanged = metrics::global().counter("sealmail_backups_unchanged_total",
                                              "Backups skipped because the mailbox had not changed.");
  auto& failed = metrics::global().counter("sealmail_backups_failed_total", "Backups that failed.");
  int64_t interval = service.config().interval_seconds;
  for (auto& mailbox : registry.open_mailboxes()) {
    std::string id = mailbox->path().stem().string();
    auto last = service.last_backup_time(id);
    if (!last) {
      failed.add();
      log::warn("backup_failed", {{"mailbox", id}, {"reason", last.error().message}});
      continue;
    }
    if (static_cast<int64_t>(std::time(nullptr)) - *last < interval) continue;
    auto r = service.run(*mailbox, id);
    if (!r) {
      failed.add();
      log::warn("backup_failed", {{"mailbox", id}, {"reason", r.error().message}});
    } else if (r->uploaded) {
      uploaded.add();
      log::info("backup_uploaded", {{"mailbox", id}, {"bytes", std::to_string(r->latest.bytes)}});
    } else {
      unchanged.add();
    }
  }
}

asio::awaitable<void> run(std::shared_ptr<Scheduler::State> s) {
  while (!s->stopped) {
    s->timer.expires_after(std::chrono::seconds(s->service->config().check_seconds));
    auto [ec] = co_await s->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || s->stopped) break;
    auto registry = s->registry;
    auto service = s->service;
    auto work = s->runtime.blocking([registry, service] { backup_due(*registry, *service); });
    co_await std::move(work);
  }
}

}  // namespace

Scheduler::Scheduler(net::Runtime& runtime, std::shared_ptr<store::MailboxRegistry> registry,
                     std::shared_ptr<Service> service)
    : state_(std::make_shared<State>(runtime, std::move(registry), std::move(service))) {}

void Scheduler::start() { asio::co_spawn(state_->runtime.io(), run(state_), asio::detached); }

void Scheduler::stop() {
  auto s = state_;
  asio::post(s->timer.get_executor(), [s] {
    s->stopped = true;
    s->timer.cancel();
  });
}

}  // namespace sealmail::backup

#include "admin/background_indexer.h"

#include "core/log.h"

namespace sealmail::admin {

namespace asio = net::asio;

struct BackgroundIndexer::State {
  net::Runtime& runtime;
  std::shared_ptr<store::MailboxRegistry> registry;
  std::chrono::milliseconds interval;
  size_t batch;
  asio::steady_timer timer;
  bool stopped = false;

  State(net::Runtime& r, std::shared_ptr<store::MailboxRegistry> reg, std::chrono::milliseconds i, size_t b)
      : runtime(r), registry(std::move(reg)), interval(i), batch(b), timer(r.io()) {}
};

namespace {

asio::awaitable<void> run(std::shared_ptr<BackgroundIndexer::State> s) {
  while (!s->stopped) {
    s->timer.expires_after(s->interval);
    auto [ec] = co_await s->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || s->stopped) break;
    auto registry = s->registry;
    size_t batch = s->batch;
    auto work = s->runtime.blocking([registry, batch] {
      size_t indexed = 0;
      for (auto& mailbox : registry->open_mailboxes()) {
        auto n = mailbox->index_pending(batch);
        if (n) indexed += *n;
      }
      return indexed;
    });
    co_await std::move(work);
  }
}

}  // namespace

BackgroundIndexer::BackgroundIndexer(net::Runtime& runtime, std::shared_ptr<store::MailboxRegistry> registry,
                                     std::chrono::milliseconds interval, size_t batch)
    : state_(std::make_shared<State>(runtime, std::move(registry), interval, batch)) {}

void BackgroundIndexer::start() { asio::co_spawn(state_->runtime.io(), run(state_), asio::detached); }

void BackgroundIndexer::stop() {
  auto s = state_;
  asio::post(s->timer.get_executor(), [s] {
    s->stopped = true;
    s->timer.cancel();
  });
}

}  // namespace sealmail::admin

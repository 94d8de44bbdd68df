// IDLE (RFC 2177): the client waits for news; the session reports changes the moment the store
// announces them, and a keep-alive now and then, until the client sends DONE.
//
// Two coroutines on the session's strand: this one keeps reading (DONE is the only thing the
// client may send), a notifier writes what changes. Reads are never cancelled (cancelling a TLS
// read leaves the stream unusable); the notifier is woken by cancelling `wake_`.
#include "core/log.h"
#include "imap/protocol/response.h"
#include "imap/server/session.h"

namespace sealmail::imap {

namespace {

asio::awaitable<void> notifier(std::shared_ptr<Session> self, std::shared_ptr<bool> done, asio::steady_timer* wake,
                               asio::steady_timer* finished) {
  while (!*done) {
    if (!self->changes_pending()) {
      wake->expires_after(self->options().idle_keepalive);
      auto [ec] = co_await wake->async_wait(asio::as_tuple(asio::use_awaitable));
      if (*done) break;
      if (!ec) self->untagged("OK Still here");  // the keep-alive interval passed quietly
    }
    co_await self->report_changes(true);
    if (!co_await self->flush()) break;
  }
  finished->cancel();
  *done = true;
}

}  // namespace

asio::awaitable<void> Session::idle(const std::string& tag) {
  out_ += "+ idling\r\n";
  co_await report_changes(true);
  if (!co_await flush()) co_return;
  auto done = std::make_shared<bool>(false);
  asio::steady_timer finished(connection_->executor());
  finished.expires_at(asio::steady_timer::time_point::max());
  idling_ = true;
  auto work = notifier(shared_from_this(), done, &wake_, &finished);
  asio::co_spawn(connection_->executor(), std::move(work), asio::detached);
  bool ended = false;
  std::string reply = status_response(tag, "OK", "", "IDLE terminated");
  while (!ended) {
    auto event = receiver_.next_line();
    if (auto* line = std::get_if<Line>(&event)) {
      ended = true;
      if (!(line->text.size() == 4 && strncasecmp(line->text.data(), "DONE", 4) == 0))
        reply = status_response(tag, "BAD", "", "expected DONE");
      continue;
    }
    if (std::holds_alternative<Error>(event)) {
      ended = true;
      reply = status_response(tag, "BAD", "", "expected DONE");
      continue;
    }
    // RFC 2177 §3: clients re-issue IDLE at least every 29 minutes; 31 leaves room.
    auto ec = co_await connection_->read_some(in_, options().autologout + std::chrono::minutes(1));
    if (ec) {
      closing_ = true;
      ended = true;
      continue;
    }
    receiver_.feed(in_);
    in_.clear();
  }
  idling_ = false;
  if (!*done) {
    *done = true;
    wake_.cancel();
    // Wait for the notifier to leave (it may be in the middle of a write).
    auto [ec] = co_await finished.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
  if (!closing_) out_ += reply;
}

}  // namespace sealmail::imap

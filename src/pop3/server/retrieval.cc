// Reading messages for RETR and TOP, ahead of the client (RFC 2449 §6.6 PIPELINING, and plain
// sequential fetching).
//
// Why: every store call is a trip to the worker pool and back and a read transaction, and a
// message's bytes must be read, decrypted and decompressed before the first byte can be written.
// A client usually asks for messages in order, one after the other (fetchmail, Thunderbird), or
// says outright which ones it wants next by pipelining RETRs (mpop). So, when a message is asked
// for, the session reads it (with the pipelined RETRs behind it, in one fetch_raw_many call), and
// starts reading the next ones in the background while it writes: the store's work then overlaps
// the network's and the client's instead of adding to them.
//
// What it keeps:
// - Answers are the same as without it: commands are still run one by one, in order, from the
//   same state (a DELE between two RETRs only leaves a message read for nothing). A message read
//   ahead is served even if another session expunged it meanwhile, as the maildrop at login has it.
// - Bounded: pipelined commands are looked at only in the TRANSACTION state (where no command
//   takes raw lines after it: AUTH and STLS are refused there), at most kMaxLookahead of them;
//   messages kept in memory ahead of the client sum to at most ServerOptions::max_pending_output
//   (the message asked for is always read, whatever its size); at most kReadsInFlight background
//   reads at a time, so that one session uses at most that many of the worker pool's threads.
// - Everything here runs on the session's strand (the background read resumes there too), so
//   nothing is shared with another thread but the store call itself.
#include <algorithm>

#include "pop3/server/session.h"

namespace sealmail::pop3 {

namespace {

constexpr size_t kMaxLookahead = 64;      // pipelined commands looked at
constexpr uint32_t kSequentialAhead = 8;  // messages read ahead of a client fetching in order
constexpr size_t kReadsInFlight = 2;      // background reads at once (decompressing on two cores)
constexpr size_t kMessagesPerRead = 4;    // messages per background read (one transaction)

using Messages = std::vector<std::pair<uint32_t, std::string>>;

}  // namespace

// One background read: the UIDs it asked for and, once done, what the store gave.
struct Session::ReadAhead {
  explicit ReadAhead(asio::any_io_executor executor) : done(std::move(executor)) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  std::vector<uint32_t> uids;  // ascending
  std::optional<sealmail::Result<Messages>> result;
  asio::steady_timer done;  // cancelled when `result` is set
};

namespace {

// A coroutine function, not a capturing lambda (GCC 12).
asio::awaitable<void> read_in_background(net::Runtime& runtime, std::shared_ptr<store::Mailbox> mailbox,
                                         std::shared_ptr<Session::ReadAhead> ahead) {
  auto ranges = to_ranges(ahead->uids);
  try {
    auto work = runtime.blocking([mailbox, ranges] { return mailbox->fetch_raw_many(kMaildropFolder, ranges); });
    auto messages = co_await std::move(work);
    ahead->result = std::move(messages);
  } catch (const std::exception& e) {
    // Nobody would hear of it (the coroutine is detached), and a waiter must not wait forever.
    ahead->result = sealmail::make_error(Errc::internal, e.what());
  }
  ahead->done.cancel();
}

}  // namespace

uint64_t Session::fetched_bytes() const {
  uint64_t bytes = 0;
  for (const auto& [uid, raw] : fetched_) bytes += raw.size();
  return bytes;
}

void Session::pull_pipelined() {
  while (lookahead_.size() < kMaxLookahead) {
    auto event = parser_.next();
    if (std::holds_alternative<NeedMore>(event)) break;
    const bool command = std::holds_alternative<Command>(event);
    lookahead_.push_back(std::move(event));
    if (!command) break;  // a parse error: answered in its turn, nothing read past it
  }
}

std::vector<uint32_t> Session::next_wanted(uint32_t number, uint64_t budget, bool guess) {
  auto& maildrop = transaction().maildrop;
  std::vector<uint32_t> uids;
  uint64_t bytes = 0;
  auto take = [&](const MaildropMessage* m) {
    if (m == nullptr || m->deleted || fetched_.count(m->uid) != 0) return true;
    if (reading(m->uid) != nullptr) return true;
    if (std::find(uids.begin(), uids.end(), m->uid) != uids.end()) return true;
    if (bytes + m->size > budget) return false;
    bytes += m->size;
    uids.push_back(m->uid);
    return true;
  };
  // What the client said it wants next...
  for (const auto& event : lookahead_) {
    const auto* c = std::get_if<Command>(&event);
    if (c == nullptr || (c->verb != Command::Verb::retr && c->verb != Command::Verb::top) || !c->message) continue;
    if (!take(maildrop.at(*c->message))) break;
  }
  // ...or, when it said nothing yet, what a client fetching in order asks for next.
  if (guess && lookahead_.empty()) {
    for (uint32_t n = number + 1; n <= maildrop.count() && n <= number + kSequentialAhead; ++n)
      if (!take(maildrop.at(n))) break;
  }
  std::sort(uids.begin(), uids.end());
  return uids;
}

std::shared_ptr<Session::ReadAhead> Session::reading(uint32_t uid) const {
  for (const auto& a : ahead_)
    if (std::binary_search(a->uids.begin(), a->uids.end(), uid)) return a;
  return nullptr;
}

void Session::read_ahead(uint32_t number) {
  if (ahead_.size() >= kReadsInFlight || state() != StateKind::transaction) return;
  uint64_t held = fetched_bytes();
  for (const auto& a : ahead_)
    for (uint32_t uid : a->uids) held += uid_size(uid);
  if (held >= options().max_pending_output) return;
  auto uids = next_wanted(number, options().max_pending_output - held, true);
  // Split over the free slots, in order: the first read holds the messages wanted first.
  for (size_t start = 0; start < uids.size() && ahead_.size() < kReadsInFlight; start += kMessagesPerRead) {
    auto read = std::make_shared<ReadAhead>(connection_->executor());
    read->uids.assign(uids.begin() + static_cast<ptrdiff_t>(start),
                      uids.begin() + static_cast<ptrdiff_t>(std::min(uids.size(), start + kMessagesPerRead)));
    auto work = read_in_background(context_->runtime, transaction().mailbox, read);
    asio::co_spawn(connection_->executor(), std::move(work), asio::detached);
    ahead_.push_back(std::move(read));
  }
}

asio::awaitable<void> Session::finish_read(std::shared_ptr<ReadAhead> read) {
  ahead_.erase(std::find(ahead_.begin(), ahead_.end(), read));
  if (!read->result) {
    auto wait = read->done.async_wait(asio::as_tuple(asio::use_awaitable));
    auto [ec] = co_await std::move(wait);
    (void)ec;
  }
  // A failed background read is forgotten: the messages are read again when asked for, and the
  // error, if it lasts, is answered then.
  if (read->result && read->result->ok())
    for (auto& [uid, raw] : read->result->value()) fetched_.emplace(uid, std::move(raw));
}

void Session::take_finished_reads() {
  for (size_t i = 0; i < ahead_.size();) {
    auto& read = ahead_[i];
    if (!read->result) {
      ++i;
      continue;
    }
    if (read->result->ok())
      for (auto& [uid, raw] : read->result->value()) fetched_.emplace(uid, std::move(raw));
    ahead_.erase(ahead_.begin() + static_cast<ptrdiff_t>(i));
  }
}

uint64_t Session::uid_size(uint32_t uid) const {
  // Message numbers follow UIDs: a binary search by UID over the maildrop.
  auto& maildrop = transaction().maildrop;
  uint32_t lo = 1, hi = maildrop.count();
  while (lo <= hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const auto* m = maildrop.at(mid);
    if (m->uid == uid) return m->size;
    if (m->uid < uid) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return 0;
}

asio::awaitable<sealmail::Result<std::string>> Session::fetch_message(uint32_t number) {
  const MaildropMessage& message = *transaction().maildrop.at(number);
  const uint32_t uid = message.uid;
  // Clients fetch forwards: what was read ahead for messages before this one will not be asked for.
  fetched_.erase(fetched_.begin(), fetched_.lower_bound(uid));
  take_finished_reads();
  if (auto read = reading(uid)) {
    auto work = finish_read(std::move(read));
    co_await std::move(work);
  }
  std::optional<sealmail::Result<std::string>> found;
  if (auto it = fetched_.find(uid); it != fetched_.end()) {
    found.emplace(std::move(it->second));
    fetched_.erase(it);
  } else {
    if (state() == StateKind::transaction) pull_pipelined();
    auto uids = next_wanted(number, options().max_pending_output, false);
    uids.insert(std::lower_bound(uids.begin(), uids.end(), uid), uid);
    auto mailbox = transaction().mailbox;
    auto ranges = to_ranges(uids);
    auto work = blocking([mailbox, ranges] { return mailbox->fetch_raw_many(kMaildropFolder, ranges); });
    auto many = co_await std::move(work);
    if (!many) co_return many.error();
    for (auto& [got, raw] : *many) {
      if (got == uid) {
        found.emplace(std::move(raw));
      } else {
        fetched_.emplace(got, std::move(raw));
      }
    }
    // Not among the results: expunged by another session since login.
    if (!found) co_return sealmail::make_error(Errc::not_found, "message expunged");
  }
  take_finished_reads();
  read_ahead(number);
  co_return std::move(*found);
}

}  // namespace sealmail::pop3

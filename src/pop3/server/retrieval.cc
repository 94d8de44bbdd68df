// Reading messages for RETR and TOP, ahead of the client (RFC 2449 §6.6 PIPELINING, and plain
// sequential fetching).
//
// Why: every store call is a trip to the worker pool and back and a read transaction, and a
// message's bytes must be read, decrypted and decompressed before the first byte can be written.
// A client usually asks for messages in order, one after the other (fetchmail, Thunderbird), or
// says outright which ones it wants next by pipelining RETRs (mpop). So when a message is asked
// for, the session reads it and, at the same time on the other workers, the ones it expects to be
// asked for next (the pipelined RETRs, then the following messages): the store's work overlaps
// the network's, the client's, and itself (decompression on two cores).
//
// What it keeps:
// - Answers are the same as without it: commands are still run one by one, in order, from the
//   same state (a DELE between two RETRs only leaves a message read for nothing). A message read
//   ahead is served even if another session expunged it meanwhile, as the maildrop at login has it.
// - Bounded: pipelined commands are looked at only in the TRANSACTION state (where no command
//   takes raw lines after it: AUTH and STLS are refused there), at most kMaxLookahead of them;
//   messages read ahead and not yet asked for sum to at most ServerOptions::max_pending_output
//   (the message asked for is always read, whatever its size); at most kReadsInFlight + 1 reads
//   queued on the worker pool per session (the pool serves them in order, among other sessions').
// - Everything here runs on the session's strand (a read resumes there too), so nothing is shared
//   with another thread but the store call itself.
#include <algorithm>

#include "pop3/server/session.h"

namespace sealmail::pop3 {

namespace {

constexpr size_t kMaxLookahead = 64;      // pipelined commands looked at
constexpr uint32_t kSequentialAhead = 8;  // messages guessed past the last one asked for
constexpr size_t kReadsInFlight = 3;      // reads ahead at once
// Messages per read (one transaction, one trip to the pool): one when guessing, so that the next
// message is ready as soon as possible; more when the client pipelined, to save trips.
constexpr size_t kMessagesPerGuessedRead = 1;
constexpr size_t kMessagesPerPipelinedRead = 4;

using Messages = std::vector<std::pair<uint32_t, std::string>>;

}  // namespace

// One read on the worker pool: the UIDs it asked for and, once done, what the store gave.
struct Session::ReadAhead {
  explicit ReadAhead(asio::any_io_executor executor) : done(std::move(executor)) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  std::vector<uint32_t> uids;  // ascending
  uint64_t bytes = 0;          // their sizes
  std::optional<sealmail::Result<Messages>> result;
  asio::steady_timer done;  // cancelled when `result` is set
};

namespace {

// A coroutine function, not a capturing lambda (GCC 12).
asio::awaitable<void> read_messages(net::Runtime& runtime, std::shared_ptr<store::Mailbox> mailbox,
                                    std::shared_ptr<Session::ReadAhead> read) {
  auto ranges = to_ranges(read->uids);
  try {
    auto work = runtime.blocking([mailbox, ranges] { return mailbox->fetch_raw_many(kMaildropFolder, ranges); });
    auto messages = co_await std::move(work);
    read->result = std::move(messages);
  } catch (const std::exception& e) {
    // Nobody would hear of it (the coroutine is detached), and a waiter must not wait forever.
    read->result = sealmail::make_error(Errc::internal, e.what());
  }
  read->done.cancel();
}

}  // namespace

void Session::pull_pipelined() {
  while (lookahead_.size() < kMaxLookahead) {
    auto event = parser_.next();
    if (std::holds_alternative<NeedMore>(event)) break;
    const bool command = std::holds_alternative<Command>(event);
    lookahead_.push_back(std::move(event));
    if (!command) break;  // a parse error: answered in its turn, nothing read past it
  }
}

uint64_t Session::held_bytes() const {
  uint64_t bytes = 0;
  for (const auto& [uid, raw] : fetched_) bytes += raw.size();
  for (const auto& read : reads_) bytes += read->bytes;
  return bytes;
}

std::shared_ptr<Session::ReadAhead> Session::reading(uint32_t uid) const {
  for (const auto& read : reads_)
    if (std::binary_search(read->uids.begin(), read->uids.end(), uid)) return read;
  return nullptr;
}

std::vector<const MaildropMessage*> Session::next_wanted(uint32_t number, uint64_t budget, bool& pipelined) {
  auto& maildrop = transaction().maildrop;
  std::vector<const MaildropMessage*> wanted;
  uint64_t bytes = 0;
  // False once the budget is spent.
  auto take = [&](const MaildropMessage* m) {
    if (m == nullptr || m->deleted || fetched_.count(m->uid) != 0 || reading(m->uid) != nullptr) return true;
    if (std::find(wanted.begin(), wanted.end(), m) != wanted.end()) return true;
    if (bytes + m->size > budget) return false;
    bytes += m->size;
    wanted.push_back(m);
    return true;
  };
  // What the client said it wants next, then what a client fetching in order asks for after it.
  uint32_t last = number;
  pipelined = false;
  for (const auto& event : lookahead_) {
    const auto* c = std::get_if<Command>(&event);
    if (c == nullptr || (c->verb != Command::Verb::retr && c->verb != Command::Verb::top) || !c->message) continue;
    pipelined = true;
    if (!take(maildrop.at(*c->message))) return wanted;
    last = std::max(last, *c->message);
  }
  for (uint32_t n = last + 1; n <= maildrop.count() && n <= last + kSequentialAhead; ++n)
    if (!take(maildrop.at(n))) break;
  return wanted;
}

void Session::start_read(std::vector<const MaildropMessage*> messages) {
  auto read = std::make_shared<ReadAhead>(connection_->executor());
  for (const auto* m : messages) {
    read->uids.push_back(m->uid);
    read->bytes += m->size;
  }
  std::sort(read->uids.begin(), read->uids.end());
  auto work = read_messages(context_->runtime, transaction().mailbox, read);
  asio::co_spawn(connection_->executor(), std::move(work), asio::detached);
  reads_.push_back(std::move(read));
}

void Session::read_ahead(uint32_t number) {
  // The read of the message being waited for does not count against the reads ahead.
  size_t ahead = reads_.size();
  const uint64_t held = held_bytes();
  if (ahead >= kReadsInFlight + 1 || held >= options().max_pending_output) return;
  bool pipelined = false;
  auto wanted = next_wanted(number, options().max_pending_output - held, pipelined);
  const size_t per = pipelined ? kMessagesPerPipelinedRead : kMessagesPerGuessedRead;
  for (size_t start = 0; start < wanted.size() && ahead < kReadsInFlight + 1; start += per, ++ahead)
    start_read({wanted.begin() + static_cast<ptrdiff_t>(start),
                wanted.begin() + static_cast<ptrdiff_t>(std::min(wanted.size(), start + per))});
}

void Session::take_finished_reads() {
  for (size_t i = 0; i < reads_.size();) {
    auto& read = reads_[i];
    if (!read->result) {
      ++i;
      continue;
    }
    // A failed read is forgotten: the messages are read again when asked for, and the error, if it
    // lasts, is answered then.
    if (read->result->ok())
      for (auto& [uid, raw] : read->result->value()) fetched_.emplace(uid, std::move(raw));
    reads_.erase(reads_.begin() + static_cast<ptrdiff_t>(i));
  }
}

asio::awaitable<sealmail::Result<std::string>> Session::fetch_message(uint32_t number) {
  const MaildropMessage& message = *transaction().maildrop.at(number);
  const uint32_t uid = message.uid;
  // Clients fetch forwards: what was read for messages before this one will not be asked for.
  fetched_.erase(fetched_.begin(), fetched_.lower_bound(uid));
  pull_pipelined();
  take_finished_reads();
  auto read = reading(uid);
  if (!read && fetched_.count(uid) == 0) {
    start_read({&message});
    read = reads_.back();
  }
  read_ahead(number);
  if (read) {
    if (!read->result) {
      auto wait = read->done.async_wait(asio::as_tuple(asio::use_awaitable));
      auto [ec] = co_await std::move(wait);
      (void)ec;
    }
    if (!read->result->ok()) {
      auto error = read->result->error();
      take_finished_reads();
      co_return error;
    }
    take_finished_reads();
  }
  auto it = fetched_.find(uid);
  // Not among what the store gave: expunged by another session since login.
  if (it == fetched_.end()) co_return sealmail::make_error(Errc::not_found, "message expunged");
  std::string raw = std::move(it->second);
  fetched_.erase(it);
  read_ahead(number);
  co_return raw;
}

}  // namespace sealmail::pop3

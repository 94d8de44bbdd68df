#include "delivery/outbound_queue.h"

#include <algorithm>
#include <fstream>
#include <limits>

#include "core/ascii.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "crypto/secret.h"
#include "delivery/address_policy.h"
#include "delivery/bounce_event.h"
#include "directory/types.h"
#include "mime/header_fields.h"
#include "smtp/outbound/bounce.h"
#include "smtp/outbound/dsn.h"

namespace sealmail::delivery {

namespace asio = boost::asio;
using smtp::client::local_reply;
using smtp::client::Outcome;
using smtp::client::RecipientResult;
using smtp::client::Reply;
using tcp = asio::ip::tcp;
namespace outbound = smtp::outbound;

struct OutboundQueue::DomainResult {
  std::vector<RecipientResult> recipients;
  std::string host;  // the MX host that answered last
};

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

// RFC 3461 §4.1: NOTIFY=NEVER asks for no report; absent, a failure is reported (delays are not:
// we send a delay notice only when asked, as Postfix does by default).
bool wants(const QueuedRecipient& r, std::string_view what) {
  auto n = upper(r.notify);
  if (n.empty()) return what == "FAILURE";
  return n.find(what) != std::string::npos;
}

// The reply's text without its enhanced code, lines joined by a space (bounce.h's Failure::text).
std::string reply_text(const Reply& reply) {
  std::string out;
  auto enhanced = reply.enhanced();
  for (const auto& line : reply.lines) {
    std::string_view l = line;
    if (!enhanced.empty() && l.substr(0, enhanced.size()) == enhanced) {
      l.remove_prefix(enhanced.size());
      while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
    }
    if (!out.empty()) out += ' ';
    out += l;
  }
  return out.size() > 1000 ? out.substr(0, 1000) : out;
}

Reply dns_failure_reply(const MxResult& mx) {
  if (mx.failure == DnsFailure::temporary) return local_reply(451, "4.4.3 cannot resolve the recipient's domain");
  if (mx.reason.find("null MX") != std::string::npos)
    return local_reply(556, "5.1.10 the recipient's domain accepts no mail");  // RFC 7505 §4.2
  return local_reply(550, "5.1.2 the recipient's domain has no mail server");
}

// RFC 8461 §5, mode testing: a policy failure is reported and the message delivered anyway. The
// report is the reason alone (never the domain or the host: log.h) and a counter by reason.
void report_sts_testing(const char* reason) {
  log::warn("queue.mta_sts_testing_failure", {{"reason", reason}});
  metrics::global()
      .counter("sealmail_queue_mta_sts_testing_failures_total",
               "MTA-STS policy failures in testing mode (delivered anyway), by reason.",
               std::string("reason=\"") + reason + "\"")
      .add();
}

metrics::Counter& attempts_counter(const char* result) {
  return metrics::global().counter("sealmail_queue_recipients_total", "Outbound recipients tried, by outcome.",
                                   std::string("result=\"") + result + "\"");
}

}  // namespace

OutboundQueue::OutboundQueue(net::Runtime& runtime, QueueParts parts, QueueOptions options)
    : runtime_(runtime),
      parts_(std::move(parts)),
      options_(std::move(options)),
      client_(smtp::client::ClientOptions{
          .helo_name = options_.hostname,
          .tls = options_.tls,
          .verify_certificate = options_.verify_certificate,
          .ca_file = options_.ca_file,
          .pipelining = true,
          .connect_timeout = options_.timeouts.connect,
          .command_timeout = options_.timeouts.command,
          .data_timeout = options_.timeouts.data,
      }),
      resolver_(MxResolverOptions{.servers = options_.dns_servers, .timeout = options_.timeouts.dns}),
      pool_(options_.connection_max_messages, options_.connection_idle),
      slots_(options_.per_destination),
      files_(std::make_unique<asio::thread_pool>(std::max<size_t>(options_.file_threads, 1))) {
  if (options_.mta_sts) {
    mtasts::MtaStsOptions m;
    m.dns = MxResolverOptions{.servers = options_.dns_servers, .timeout = options_.timeouts.dns};
    m.cache_dir = options_.mta_sts_cache_dir;
    m.fetch = mtasts::FetchOptions{.port = options_.mta_sts_https_port,
                                   .ca_file = options_.ca_file,
                                   .timeout = std::chrono::seconds(20),
                                   .allow_private_addresses = options_.allow_private_addresses};
    mta_sts_ = std::make_unique<mtasts::MtaSts>(std::move(m));
  }
  if (!options_.dnssec_trust_anchor.empty())
    dane_ = dane::Dane::create(dane::DaneOptions{options_.dns_servers, options_.dnssec_trust_anchor});
}

namespace {
// A coroutine function, not a capturing coroutine lambda (GCC 12); the optional carries types
// without a default constructor (Result<T>) through co_spawn.
template <typename F>
asio::awaitable<std::optional<std::invoke_result_t<F>>> call_wrapped(F fn) {
  co_return std::optional<std::invoke_result_t<F>>(fn());
}
}  // namespace

template <typename F>
asio::awaitable<std::invoke_result_t<F>> OutboundQueue::on_files(F fn) {
  auto work = call_wrapped(std::move(fn));
  auto done = asio::co_spawn(*files_, std::move(work), asio::use_awaitable);
  auto result = co_await std::move(done);
  co_return std::move(*result);
}

OutboundQueue::~OutboundQueue() {
  if (files_->get_executor().running_in_this_thread()) {
    files_->stop();
    (void)files_.release();  // its other threads end; this one cannot join itself (only at shutdown)
  }
}

int64_t OutboundQueue::now() const {
  if (!options_.clock_file.empty()) {
    std::ifstream in(options_.clock_file);
    long long t = 0;
    if (in >> t) return t;
  }
  return unix_now();
}

asio::awaitable<Result<std::string>> OutboundQueue::enqueue(OutgoingMessage message) {
  if (message.recipients.empty()) co_return make_error(Errc::invalid_argument, "no recipients");
  if (!message.message) co_return make_error(Errc::invalid_argument, "no message");
  QueueEntry entry;
  entry.mail_from = std::move(message.mail_from);
  entry.sender_alias = std::move(message.sender_alias);
  for (auto& r : message.recipients)
    entry.recipients.push_back(
        QueuedRecipient{.address = std::move(r.address), .notify = std::move(r.notify), .orcpt = std::move(r.orcpt)});
  entry.smtputf8 = message.smtputf8;
  entry.eight_bit = message.eight_bit;
  entry.ret = std::move(message.ret);
  entry.envid = std::move(message.envid);
  entry.queued_at = now();
  entry.next_attempt = entry.queued_at;
  auto self = shared_from_this();
  auto bytes = message.message;
  auto work = [self, entry = std::move(entry), bytes]() mutable {
    return self->parts_.store->add(std::move(entry), *bytes);
  };
  auto adding = on_files(std::move(work));
  Result<std::string> id = co_await std::move(adding);
  if (id) {
    {
      std::lock_guard lock(mutex_);
      next_.emplace(*id, 0);
    }
    metrics::global().counter("sealmail_queue_enqueued_total", "Messages accepted into the outbound queue.").add();
    log::info("queue.enqueued", {{"id", *id}, {"recipients", std::to_string(message.recipients.size())}});
    wake();
  }
  co_return id;
}

void OutboundQueue::start() {
  parts_.store->sweep_incomplete();
  timer_ = std::make_shared<asio::steady_timer>(runtime_.io());
  asio::co_spawn(runtime_.io(), run(shared_from_this()), [](std::exception_ptr e) {
    if (e) log::error("queue.scheduler_stopped");
  });
}

void OutboundQueue::stop() {
  stopped_ = true;
  pool_.sweep(runtime_.io().get_executor(), true);
  wake();
}

void OutboundQueue::wake() {
  woken_ = true;
  if (!timer_) return;
  auto timer = timer_;
  asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}

std::vector<std::string> OutboundQueue::scan() {
  auto ids = parts_.store->ids();
  auto retries = parts_.store->take_retry_requests();
  std::vector<std::string> unknown;
  {
    std::lock_guard lock(mutex_);
    // Entries deleted behind our back (the CLI): forget them.
    std::set<std::string> present(ids.begin(), ids.end());
    for (auto it = next_.begin(); it != next_.end();)
      it = present.count(it->first) || in_flight_.count(it->first) ? std::next(it) : next_.erase(it);
    for (const auto& id : ids)
      if (!next_.count(id)) unknown.push_back(id);
  }
  // Entries we have not seen (an earlier run's, or written by another process): their schedule.
  std::vector<std::pair<std::string, int64_t>> loaded;
  for (const auto& id : unknown) {
    auto e = parts_.store->load(id);
    if (e) {
      loaded.emplace_back(id, e->next_attempt);
    } else if (e.error().code != Errc::not_found) {
      log::error("queue.unreadable", {{"id", id}, {"reason", e.error().message}});
      loaded.emplace_back(id, std::numeric_limits<int64_t>::max());  // left for the operator
    }
  }
  const int64_t t = now();
  sweep_history(t);
  std::lock_guard lock(mutex_);
  for (auto& [id, next] : loaded) next_.emplace(id, next);
  for (const auto& id : retries)
    if (auto it = next_.find(id); it != next_.end() && it->second != std::numeric_limits<int64_t>::max())
      it->second = 0;
  return take_due(t);
}

std::vector<std::string> OutboundQueue::due_now(int64_t t) {
  std::lock_guard lock(mutex_);
  return take_due(t);
}

std::vector<std::string> OutboundQueue::take_due(int64_t t) {
  std::vector<std::string> due;
  for (const auto& [id, next] : next_) {
    if (in_flight_.size() >= options_.max_deliveries) break;
    if (next <= t && !in_flight_.count(id)) {
      in_flight_.insert(id);
      due.push_back(id);
    }
  }
  return due;
}

void OutboundQueue::finished(const std::string& id, std::optional<int64_t> next) {
  {
    std::lock_guard lock(mutex_);
    in_flight_.erase(id);
    if (next)
      next_[id] = *next;
    else
      next_.erase(id);
  }
  wake();  // a slot is free: more may be due
}

asio::awaitable<void> OutboundQueue::run(std::shared_ptr<OutboundQueue> self) {
  auto executor = co_await asio::this_coro::executor;
  auto last_scan = std::chrono::steady_clock::time_point{};
  while (!self->stopped_) {
    std::vector<std::string> due;
    // The directory is read once a tick (the CLI's changes, entries of an earlier run); a wake in
    // between (an enqueue, a finished delivery) starts what this process already knows is due,
    // without reading the directory again for every message.
    const auto started = std::chrono::steady_clock::now();
    if (started - last_scan >= self->options_.tick) {
      last_scan = started;
      auto scanning = self->on_files([self] { return self->scan(); });
      due = co_await std::move(scanning);
    } else {
      due = self->due_now(self->now());
    }
    for (auto& id : due) asio::co_spawn(executor, deliver(self, std::move(id)), asio::detached);
    if (self->stopped_) break;
    self->pool_.sweep(executor);                 // idle connections past their time
    if (self->woken_.exchange(false)) continue;  // woken while it was busy: look again now
    self->timer_->expires_at(last_scan + self->options_.tick);
    auto waiting = self->timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    co_await std::move(waiting);
  }
}

asio::awaitable<OutboundQueue::DomainResult> OutboundQueue::deliver_domain(std::shared_ptr<OutboundQueue> self,
                                                                           std::string domain, std::string mail_from,
                                                                           std::vector<std::string> recipients,
                                                                           std::shared_ptr<const std::string> message) {
  DomainResult out;
  const size_t n = recipients.size();
  // A domain of ours (a DSN to one of our senders): the MX's router stores it.
  if (self->parts_.local && self->parts_.is_local) {
    auto asking = self->runtime_.blocking([self, domain] { return self->parts_.is_local(domain); });
    bool ours = co_await std::move(asking);
    if (ours) {
      smtp::Envelope envelope;
      envelope.mail_from = mail_from;
      envelope.recipients = recipients;
      envelope.client_ip = "127.0.0.1";
      envelope.helo = self->options_.hostname;
      auto delivering = self->parts_.local->deliver(std::move(envelope), message, std::string());
      smtp::Reply r = co_await std::move(delivering);
      Reply reply = local_reply(r.code, r.enhanced.empty() ? r.text : r.enhanced + " " + r.text);
      Outcome o = r.positive() ? Outcome::delivered : r.code >= 500 ? Outcome::permanent : Outcome::temporary;
      out.recipients.assign(n, RecipientResult{o, reply});
      out.host = self->options_.hostname;
      co_return out;
    }
  }
  MxResult mx;
  if (auto cached = self->mx_cache_.get(domain)) {
    mx = std::move(*cached);
  } else {
    auto looking = self->resolver_.resolve(domain);
    mx = co_await std::move(looking);
    if (mx.ok()) self->mx_cache_.put(domain, mx, std::chrono::seconds(mx.ttl));
  }
  if (!mx.ok()) {
    Reply r = dns_failure_reply(mx);
    out.recipients.assign(n, RecipientResult{r.permanent() ? Outcome::permanent : Outcome::temporary, r});
    co_return out;
  }
  out.recipients.assign(
      n, RecipientResult{Outcome::temporary, local_reply(451, "4.4.1 no answer from the recipient's server")});

  // What the destination demands (DANE first: RFC 8461 §2 and RFC 7672 §1.3 both give it the
  // precedence when the domain has both).
  bool dnssec_mx = false;
  if (self->dane_) {
    auto validating = self->dane_->mx_secure(domain);
    dane::Validation v = co_await std::move(validating);
    if (v == dane::Validation::bogus) {
      // RFC 7672 §2.2.1: a bogus MX RRset is a lookup failure: try later, never around it.
      log::warn("queue.dane_bogus_mx");
      out.recipients.assign(
          n, RecipientResult{Outcome::temporary, local_reply(451, "4.7.5 DNSSEC validation of the MX records failed")});
      co_return out;
    }
    dnssec_mx = v == dane::Validation::secure;
  }
  std::optional<mtasts::Policy> sts;
  if (self->mta_sts_) {
    auto fetching = self->mta_sts_->policy_for(domain);
    sts = co_await std::move(fetching);
    if (sts && sts->mode == mtasts::Mode::none) sts.reset();
  }

  // The sessions to the domain's hosts count against its limit; the lookups above did not.
  auto waiting = self->slots_.acquire(domain);
  co_await std::move(waiting);
  DestinationSlots::Held slot(self->slots_, domain);
  size_t attempts = 0;
  bool any_allowed = false, policy_skipped = false;
  for (const auto& host : mx.hosts) {
    smtp::client::Security security;
    bool dane_host = false;
    bool testing_checks = false;  // MTA-STS testing, a listed host: report what enforce would refuse
    if (dnssec_mx) {
      auto asking = self->dane_->tlsa(host.name, 25);
      dane::TlsaResult tlsa = co_await std::move(asking);
      if (tlsa.validation == dane::Validation::bogus || tlsa.validation == dane::Validation::failed) {
        // §2.2.2: a TLSA lookup that failed validation (or did not complete) rules the host out.
        out.recipients.assign(
            n,
            RecipientResult{Outcome::temporary, local_reply(451, "4.7.5 DANE: the TLSA lookup of the MX host failed")});
        out.host = host.name;
        policy_skipped = true;
        continue;
      }
      if (tlsa.validation == dane::Validation::secure && (!tlsa.usable.empty() || tlsa.unusable > 0)) {
        // §3.1.3: secure records that are all unusable leave mandatory (unauthenticated) TLS.
        dane_host = true;
        security.tlsa = std::move(tlsa.usable);
        security.dane_names = std::move(tlsa.names);
        security.tls = smtp::client::TlsPolicy::required;
        if (security.tlsa.empty()) security.verify_certificate = false;
      }
    }
    if (!dane_host && sts) {
      bool listed = mtasts::policy_allows(*sts, host.name);
      if (sts->mode == mtasts::Mode::enforce) {
        if (!listed) {
          // RFC 8461 §4.1: an MX host the policy does not name is not a candidate.
          log::warn("queue.mta_sts_mx_not_in_policy");
          out.recipients.assign(
              n,
              RecipientResult{Outcome::temporary, local_reply(451, "4.7.5 MTA-STS: the MX host is not in the policy")});
          out.host = host.name;
          policy_skipped = true;
          continue;
        }
        // §4.2: TLS with a certificate valid for the MX host name, or no delivery.
        security.tls = smtp::client::TlsPolicy::required;
        security.verify_certificate = true;
      } else if (!listed) {
        report_sts_testing("mx_not_in_policy");  // §5: mode testing reports, delivers anyway
      } else {
        // Testing mode checks what enforce would demand of a listed host, and only reports.
        testing_checks = true;
        security.check_certificate = true;
      }
    }
    for (const auto& address : host.addresses) {
      if (!self->options_.allow_private_addresses && !is_public_address(address)) continue;
      any_allowed = true;
      if (attempts >= self->options_.max_attempts) co_return out;
      ++attempts;
      auto sending = send_via_pool(self, tcp::endpoint(address, self->options_.port), host.name, security, mail_from,
                                   recipients, message);
      smtp::client::SessionResult session = co_await std::move(sending);
      // Only a session that reached the transaction says anything about the host's TLS.
      if (testing_checks && !session.try_another_host) {
        if (!session.tls)
          report_sts_testing("no_tls");
        else if (!session.certificate_verified)
          report_sts_testing("certificate_not_verified");
      }
      out.recipients = std::move(session.recipients);
      out.host = host.name;
      if (!session.try_another_host) co_return out;
    }
  }
  if (!any_allowed && !policy_skipped)
    out.recipients.assign(n, RecipientResult{Outcome::permanent,
                                             local_reply(550, "5.4.4 the recipient's server is not a public address")});
  co_return out;
}

asio::awaitable<smtp::client::SessionResult> OutboundQueue::send_via_pool(
    std::shared_ptr<OutboundQueue> self, tcp::endpoint endpoint, std::string server_name,
    smtp::client::Security security, std::string mail_from, std::vector<std::string> recipients,
    std::shared_ptr<const std::string> message) {
  auto executor = co_await asio::this_coro::executor;
  const std::string key = ConnectionPool::key(endpoint, server_name, security);
  std::unique_ptr<smtp::client::Session> session = self->pool_.take(key);
  smtp::client::SessionResult result;
  if (session) {
    auto sending = session->send(mail_from, recipients, message);
    result = co_await std::move(sending);
    // A kept connection the server has closed meanwhile (its own idle timeout): nothing was said
    // about these recipients, so a new connection may carry them.
    if (result.try_another_host) session.reset();
  }
  if (!session) {
    const smtp::client::Client& client = self->client_;
    const auto policy = client.tls_policy(security);
    auto opening =
        client.open(endpoint, server_name, security, recipients.size(), policy != smtp::client::TlsPolicy::none);
    smtp::client::OpenResult opened = co_await std::move(opening);
    if (!opened.session && opened.tls_handshake_failed && policy == smtp::client::TlsPolicy::opportunistic &&
        !client.verifies(security)) {
      // RFC 7435 §4: an opportunistic handshake that failed is retried in cleartext.
      auto again = client.open(endpoint, server_name, security, recipients.size(), false);
      opened = co_await std::move(again);
    }
    if (!opened.session) co_return std::move(opened.failure);
    session = std::move(opened.session);
    metrics::global().counter("sealmail_queue_connections_total", "Outbound SMTP connections opened.").add();
    auto sending = session->send(std::move(mail_from), std::move(recipients), std::move(message));
    result = co_await std::move(sending);
  }
  self->pool_.give(key, std::move(session), executor);
  co_return result;
}

asio::awaitable<void> OutboundQueue::deliver(std::shared_ptr<OutboundQueue> self, std::string id) {
  std::optional<int64_t> next;  // when to try again; none: the entry is gone
  try {
    auto loading = self->on_files([self, id]() -> Result<std::pair<QueueEntry, std::string>> {
      auto e = self->parts_.store->load(id);
      if (!e) return e.error();
      auto m = self->parts_.store->message(id);
      if (!m) return m.error();
      return std::make_pair(std::move(*e), std::move(*m));
    });
    Result<std::pair<QueueEntry, std::string>> loaded = co_await std::move(loading);
    if (!loaded) {
      if (loaded.error().code != Errc::not_found) {
        log::error("queue.unreadable", {{"id", id}, {"reason", loaded.error().message}});
        next = std::numeric_limits<int64_t>::max();
      }
      self->finished(id, next);
      co_return;
    }
    QueueEntry entry = std::move(loaded->first);
    auto message = std::make_shared<const std::string>(std::move(loaded->second));

    // Pending recipients by domain, in the order given.
    std::vector<std::pair<std::string, std::vector<size_t>>> groups;
    for (size_t i = 0; i < entry.recipients.size(); ++i) {
      if (entry.recipients[i].state != RecipientState::pending) continue;
      auto d = domain_of(entry.recipients[i].address);
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == d; });
      if (it == groups.end()) {
        groups.emplace_back(d, std::vector<size_t>{});
        it = std::prev(groups.end());
      }
      it->second.push_back(i);
    }
    std::vector<size_t> failed_now;
    size_t delivered = 0, deferred = 0;
    for (const auto& [domain, which] : groups) {
      std::vector<std::string> addrs;
      for (size_t i : which) addrs.push_back(entry.recipients[i].address);
      DomainResult result;
      try {
        auto sending = deliver_domain(self, domain, entry.mail_from, addrs, message);
        result = co_await std::move(sending);
      } catch (const std::exception&) {
        result.recipients.assign(addrs.size(),
                                 RecipientResult{Outcome::temporary, local_reply(451, "4.3.0 delivery failed")});
      }
      const int64_t t = self->now();
      for (size_t k = 0; k < which.size(); ++k) {
        auto& r = entry.recipients[which[k]];
        const RecipientResult& rr = k < result.recipients.size() ? result.recipients[k] : result.recipients.back();
        r.last_code = rr.reply.code;
        r.last_enhanced = rr.reply.enhanced();
        r.last_reply = reply_text(rr.reply);
        r.last_host = result.host;
        if (rr.outcome == Outcome::delivered) {
          r.state = RecipientState::delivered;
          r.action.clear();
          r.category.clear();
          ++delivered;
          continue;
        }
        auto info = outbound::classify(outbound::Failure{rr.reply.code, r.last_enhanced, r.last_reply});
        r.action = outbound::to_string(info.action);
        r.category = outbound::to_string(info.category);
        if (info.action == outbound::BounceAction::reject) {
          r.state = RecipientState::failed;
          failed_now.push_back(which[k]);
        } else {
          ++deferred;
        }
      }
      entry.last_attempt = t;
    }

    const int64_t t = self->now();
    std::vector<size_t> delayed_now;
    if (entry.pending() > 0) {
      ++entry.attempts;
      using std::chrono::seconds;
      outbound::TimePoint queued{seconds(entry.queued_at)}, at{seconds(t)};
      auto decision = outbound::next_attempt(self->options_.retry, queued, entry.attempts, at);
      if (decision.give_up) {
        // Five days are over: the deferred recipients fail now (RFC 3464 Status 4.4.7 when the
        // remote gave no better code).
        for (size_t i = 0; i < entry.recipients.size(); ++i) {
          auto& r = entry.recipients[i];
          if (r.state != RecipientState::pending) continue;
          r.state = RecipientState::failed;
          if (r.last_enhanced.empty()) r.last_enhanced = "4.4.7";
          failed_now.push_back(i);
        }
      } else {
        entry.next_attempt = std::chrono::duration_cast<seconds>(decision.next.time_since_epoch()).count();
        if (!entry.delay_notified && outbound::delay_notice_due(self->options_.retry, queued, at, false)) {
          entry.delay_notified = true;
          for (size_t i = 0; i < entry.recipients.size(); ++i)
            if (entry.recipients[i].state == RecipientState::pending && wants(entry.recipients[i], "DELAY"))
              delayed_now.push_back(i);
        }
      }
    }
    std::sort(failed_now.begin(), failed_now.end());
    attempts_counter("delivered").add(delivered);
    attempts_counter("deferred").add(deferred);
    attempts_counter("failed").add(failed_now.size());
    log::info("queue.attempt", {{"id", id},
                                {"delivered", std::to_string(delivered)},
                                {"deferred", std::to_string(deferred)},
                                {"failed", std::to_string(failed_now.size())},
                                {"attempts", std::to_string(entry.attempts)}});

    auto saving = self->on_files([self, entry, failed_now, delayed_now, message]() -> std::optional<int64_t> {
      // The reports first: a crash before the state is written repeats a report, never loses one.
      if (!failed_now.empty()) self->queue_dsn(entry, failed_now, false, *message);
      if (!delayed_now.empty()) self->queue_dsn(entry, delayed_now, true, *message);
      if (entry.pending() == 0) {
        self->retire(entry);
        return std::nullopt;
      }
      auto st = self->parts_.store->save(entry);
      if (!st) {
        if (st.error().code == Errc::not_found) return std::nullopt;  // deleted by the operator meanwhile
        log::error("queue.save_failed", {{"id", entry.id}, {"reason", st.error().message}});
      }
      return entry.next_attempt;
    });
    next = co_await std::move(saving);
    // The sending alias (or, for the local pickup, the envelope sender if it is ours) hears of
    // what bounced on its webhooks; never for our own DSNs (null sender).
    const std::string& who = entry.sender_alias.empty() ? entry.mail_from : entry.sender_alias;
    if (!failed_now.empty() && !who.empty() && self->parts_.webhooks && self->parts_.bounce_webhooks) {
      auto ids = mime::header_field_values(*message, "Message-ID");
      auto body = bounce_event_json(entry, failed_now, ids.empty() ? std::string() : ids.front(), self->now());
      asio::co_spawn(co_await asio::this_coro::executor, post_bounce(self, who, std::move(body)), asio::detached);
    }
  } catch (const std::exception&) {
    log::error("queue.delivery_exception", {{"id", id}});
    next = self->now() + 300;
  }
  self->finished(id, next);
}

asio::awaitable<void> OutboundQueue::post_bounce(std::shared_ptr<OutboundQueue> self, std::string alias,
                                                 std::string body) {
  auto looking = self->runtime_.blocking([self, alias] { return self->parts_.bounce_webhooks(alias); });
  std::vector<std::string> urls = co_await std::move(looking);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (const auto& url : urls) {
    // A receiver that is down gets two more tries, a minute and five minutes later; the bounce is
    // also in the DSN to the sender's mailbox, which is durable: the webhook is a convenience.
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (attempt > 0) {
        timer.expires_after(attempt == 1 ? self->options_.bounce_webhook_retry
                                         : self->options_.bounce_webhook_retry * 5);
        auto waiting = timer.async_wait(asio::as_tuple(asio::use_awaitable));
        co_await std::move(waiting);
        if (self->stopped_) co_return;
      }
      auto posting = self->parts_.webhooks->post_event(url, self->parts_.webhook_secret, "bounce", body);
      if (co_await std::move(posting)) break;
    }
  }
  metrics::global()
      .counter("sealmail_queue_bounce_webhooks_total", "Bounce reports posted to senders' webhooks.")
      .add();
}

void OutboundQueue::retire(const QueueEntry& entry) {
  if (parts_.history) {
    const auto& who = !entry.sender_alias.empty() ? entry.sender_alias : entry.mail_from;
    std::optional<int> days;
    if (auto domain = domain_of(who); !domain.empty() && parts_.retention_days) days = parts_.retention_days(domain);
    auto st = parts_.history->retire(entry, parts_.store->message_file(entry.id), now(),
                                     days.value_or(directory::kDefaultRetentionDays));
    if (!st) log::error("queue.retire_failed", {{"id", entry.id}, {"reason", st.error().message}});
  }
  auto st = parts_.store->remove(entry.id);
  if (!st && st.error().code != Errc::not_found)
    log::error("queue.remove_failed", {{"id", entry.id}, {"reason", st.error().message}});
}

void OutboundQueue::sweep_history(int64_t t) {
  if (!parts_.history || (last_history_sweep_ != 0 && t < last_history_sweep_ + 60)) return;
  last_history_sweep_ = t;
  auto swept = parts_.history->sweep(t);
  if (swept.redacted + swept.forgotten + swept.failed > 0)
    log::info("queue.history_swept", {{"redacted", std::to_string(swept.redacted)},
                                      {"forgotten", std::to_string(swept.forgotten)},
                                      {"failed", std::to_string(swept.failed)}});
  metrics::global()
      .counter("sealmail_queue_redacted_total", "Sent messages redacted after their retention period.")
      .add(swept.redacted);
}

void OutboundQueue::queue_dsn(const QueueEntry& entry, const std::vector<size_t>& which, bool delayed,
                              const std::string& original) {
  if (entry.mail_from.empty()) return;  // never a report about a report (RFC 5321 §4.5.5)
  outbound::DsnRequest req;
  req.reporting_mta = options_.hostname;
  req.from = "MAILER-DAEMON@" + options_.hostname;
  req.to = entry.mail_from;
  req.envelope_id = entry.envid;
  req.arrival_date = entry.queued_at;
  req.now = now();
  uint8_t raw[12];
  crypto::random_bytes(raw);
  req.message_id = "<" + to_hex(raw) + "@" + options_.hostname + ">";
  for (size_t i : which) {
    const auto& r = entry.recipients[i];
    if (r.state == RecipientState::failed ? !wants(r, "FAILURE") : !wants(r, "DELAY")) continue;
    outbound::DsnRecipient d;
    d.final_recipient = r.address;
    d.original_recipient = r.orcpt;
    d.action = delayed ? outbound::DsnAction::delayed : outbound::DsnAction::failed;
    d.status = !r.last_enhanced.empty() ? r.last_enhanced : r.last_code >= 500 ? "5.0.0" : "4.0.0";
    d.remote_mta = r.last_host;
    if (r.last_code > 0) d.diagnostic = std::to_string(r.last_code) + " " + r.last_enhanced + " " + r.last_reply;
    d.last_attempt = entry.last_attempt;
    if (delayed) d.will_retry_until = entry.queued_at + options_.retry.lifetime.count();
    req.recipients.push_back(std::move(d));
  }
  if (req.recipients.empty()) return;
  req.original = original;
  req.return_headers_only = upper(entry.ret) == "HDRS" || original.size() > (1u << 20);
  auto report = outbound::build_dsn(req);
  QueueEntry dsn;
  dsn.mail_from = "";
  dsn.recipients.push_back(QueuedRecipient{.address = entry.mail_from, .notify = "NEVER"});
  dsn.queued_at = now();
  dsn.next_attempt = 0;
  auto id = parts_.store->add(std::move(dsn), report);
  if (!id) {
    log::error("queue.dsn_failed", {{"id", entry.id}, {"reason", id.error().message}});
    return;
  }
  metrics::global().counter("sealmail_queue_dsn_total", "Delivery status notifications queued.").add();
  log::info("queue.dsn", {{"id", entry.id}, {"dsn", *id}, {"kind", delayed ? "delayed" : "failed"}});
  std::lock_guard lock(mutex_);
  next_.emplace(*id, 0);
}

}  // namespace sealmail::delivery

#include "smtp/server/session.h"

#include <algorithm>

#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "smtp/protocol/data_reader.h"
#include "smtp/protocol/ehlo.h"
#include "smtp/protocol/reply.h"
#include "smtp/server/trace_header.h"

namespace sealmail::smtp {

Session::Session(std::shared_ptr<ServerContext> context, std::shared_ptr<net::Connection> connection)
    : context_(std::move(context)),
      connection_(std::move(connection)),
      lines_(context_->options.max_line),
      bdat_(context_->options.max_message_bytes) {}

void Session::say(int code, std::string_view enhanced, std::string_view text) {
  static auto& meter = metrics::protocol_meter("smtp");
  if (code >= 400) meter.errors.add();
  out_ += reply(code, enhanced, text);
}

asio::awaitable<bool> Session::flush() {
  if (out_.empty()) co_return true;
  auto write = connection_->write(out_, options().write_timeout);
  auto ec = co_await std::move(write);
  out_.clear();
  co_return !ec;
}

asio::awaitable<bool> Session::read_more() {
  // RFC 2920 §3.1: answers are gathered only while the client's bytes last; before waiting for
  // more, the client must have every answer so far.
  auto flushed = flush();
  if (!co_await std::move(flushed)) co_return false;
  auto read = connection_->read_some(in_, options().command_timeout);
  auto ec = co_await std::move(read);
  if (!ec) co_return true;
  if (ec == boost::asio::error::timed_out) {
    // RFC 5321 §4.5.3.2: the server may close after its timeout, saying so with 421.
    say(421, "4.4.2", options().hostname + " timeout, closing connection");
    auto bye = flush();
    co_await std::move(bye);
  }
  co_return false;
}

asio::awaitable<void> Session::run() {
  if (options().implicit_tls) {
    if (!context_->tls) co_return;
    auto handshake = connection_->start_tls(*context_->tls, options().tls_handshake_timeout);
    if (co_await std::move(handshake)) co_return;
  }
  // RFC 5321 §4.2: the greeting names us; no software version (it helps only attackers).
  say(220, "", options().hostname + " ESMTP ready");
  while (!closing_) {
    if (discarding_line_) {
      auto lf = in_.find('\n');
      if (lf == std::string::npos) {
        in_.clear();
        auto more = read_more();
        if (!co_await std::move(more)) break;
        continue;
      }
      in_.erase(0, lf + 1);
      discarding_line_ = false;
    }
    auto next = lines_.next(in_);
    if (std::holds_alternative<LineReader::NeedMore>(next)) {
      auto more = read_more();
      if (!co_await std::move(more)) break;
      continue;
    }
    if (auto* too_long = std::get_if<LineReader::TooLong>(&next)) {
      bool ended = too_long->consumed > 0 && in_[too_long->consumed - 1] == '\n';
      in_.erase(0, too_long->consumed);
      discarding_line_ = !ended;
      bad(ParseError{500, "5.5.6", "Line too long"});
      continue;
    }
    auto& line = std::get<LineReader::Line>(next);
    size_t consumed = line.consumed;
    // RFC 6531 §3.4: UTF-8 in RCPT addresses only after MAIL asked for SMTPUTF8 (the parser itself
    // allows it in the MAIL line that carries the parameter).
    bool utf8 = transaction_ && transaction_->envelope.params.smtputf8;
    auto parsed = parse_command(line.text, utf8);
    in_.erase(0, consumed);
    if (auto* error = std::get_if<ParseError>(&parsed)) {
      bad(*error);
      continue;
    }
    auto& command = std::get<Command>(parsed);
    static auto& meter = metrics::protocol_meter("smtp");
    metrics::CommandTimer timer(meter);
    auto work = dispatch(command);
    co_await std::move(work);
  }
  auto last = flush();
  co_await std::move(last);
  connection_->close();
}

void Session::bad(const ParseError& error) {
  // RFC 5321 §4.3.2 leaves the limit to us; Postfix closes after 20 (smtpd_hard_error_limit).
  if (++errors_ >= options().max_errors) {
    say(421, "4.7.0", options().hostname + " too many errors, closing connection");
    closing_ = true;
    return;
  }
  say(error.code, error.enhanced, error.text);
}

asio::awaitable<void> Session::dispatch(Command& command) {
  switch (command.verb) {
    case Verb::helo:
    case Verb::ehlo:
      helo(command);
      break;
    case Verb::mail: {
      auto work = mail(command);
      co_await std::move(work);
      break;
    }
    case Verb::rcpt: {
      auto work = rcpt(command);
      co_await std::move(work);
      break;
    }
    case Verb::data: {
      auto work = data();
      co_await std::move(work);
      break;
    }
    case Verb::bdat: {
      auto work = bdat(command);
      co_await std::move(work);
      break;
    }
    case Verb::rset:
      reset_transaction();
      say(250, "2.0.0", "Ok");
      break;
    case Verb::noop:
      say(250, "2.0.0", "Ok");
      break;
    case Verb::quit:
      say(221, "2.0.0", "Bye");
      closing_ = true;
      break;
    case Verb::vrfy:
    case Verb::expn:
      // RFC 5321 §3.5.3 allows turning them off; they would tell who has a mailbox here.
      say(502, "5.5.1", "VRFY and EXPN are disabled");
      break;
    case Verb::help:
      say(214, "2.0.0", "See RFC 5321");
      break;
    case Verb::starttls: {
      auto work = starttls();
      co_await std::move(work);
      break;
    }
    case Verb::auth: {
      if (!options().submission) {
        // The MX takes mail for our domains from anyone; logging in is for submission.
        command.wipe_secrets();
        bad(ParseError{502, "5.5.1", "AUTH is not available on this port"});
        break;
      }
      auto work = auth(command);
      co_await std::move(work);
      break;
    }
  }
}

void Session::helo(Command& command) {
  // RFC 5321 §4.1.4: EHLO/HELO may come again at any time and resets the transaction.
  reset_transaction();
  helo_ = command.domain;
  esmtp_ = command.verb == Verb::ehlo;
  if (!esmtp_) {
    say(250, "", options().hostname);
    return;
  }
  EhloOptions ehlo;
  ehlo.hostname = options().hostname;
  ehlo.max_message_bytes = options().max_message_bytes;
  ehlo.starttls = context_->tls && !connection_->tls();
  // RFC 6409 §4.3 leaves it to us; RFC 8314 §3.3: passwords only over TLS, so AUTH appears on
  // `submission` only after STARTTLS.
  if (options().submission && context_->authenticator && connection_->tls()) ehlo.auth = "PLAIN LOGIN";
  out_ += ehlo_reply(ehlo, command.domain);
}

asio::awaitable<void> Session::mail(Command& command) {
  if (helo_.empty()) co_return bad(ParseError{503, "5.5.1", "Say EHLO first"});
  if (transaction_) co_return bad(ParseError{503, "5.5.1", "Nested MAIL command"});
  // RFC 1870 §6.2: a declared size over our limit is refused before any byte is sent.
  if (command.mail.size && *command.mail.size > options().max_message_bytes)
    co_return say(552, "5.3.4", "Message size exceeds fixed maximum message size");
  if (!esmtp_ && (command.mail.size || command.mail.smtputf8 || command.mail.body != BodyType::seven_bit ||
                  !command.mail.ret.empty() || !command.mail.envid.empty()))
    co_return bad(ParseError{555, "5.5.4", "Parameters need EHLO"});
  // RFC 6409 §4.3 and RFC 4954 §6: submission takes mail only from a client that logged in.
  if (options().submission && authenticated_.empty()) co_return say(530, "5.7.0", "Authentication required");
  Transaction t;
  t.envelope.mail_from = command.address;
  t.envelope.params = command.mail;
  t.envelope.client_ip = connection_->remote_ip();
  t.envelope.helo = helo_;
  t.envelope.tls = connection_->tls();
  t.envelope.authenticated = authenticated_;
  t.declared_size = command.mail.size.value_or(0);
  auto check = context_->delivery->check_sender(t.envelope);
  Reply verdict = co_await std::move(check);
  if (!verdict.positive()) co_return say(verdict.code, verdict.enhanced, verdict.text);
  transaction_ = std::move(t);
  bdat_.reset();
  say(250, "2.1.0", "Ok");
}

asio::awaitable<void> Session::rcpt(Command& command) {
  if (!transaction_) {
    bad(ParseError{503, "5.5.1", "Need MAIL before RCPT"});
    co_return;
  }
  auto& recipients = transaction_->envelope.recipients;
  if (transaction_->accepted_rcpts >= options().max_recipients) {
    // RFC 5321 §4.5.3.1.10: 452 for too many recipients; the client sends the rest later.
    say(452, "4.5.3", "Too many recipients");
    co_return;
  }
  auto check =
      context_->delivery->check_recipient(transaction_->envelope, command.address, transaction_->declared_size);
  Reply verdict = co_await std::move(check);
  if (verdict.positive()) {
    ++transaction_->accepted_rcpts;
    bool known =
        std::any_of(recipients.begin(), recipients.end(), [&](const std::string& r) { return r == command.address; });
    if (!known) {
      recipients.push_back(command.address);
      transaction_->envelope.recipient_params.push_back(command.rcpt);
    }
  } else if (verdict.code >= 500) {
    ++errors_;  // a client guessing addresses counts against its error budget
  }
  say(verdict.code, verdict.enhanced, verdict.text);
}

asio::awaitable<void> Session::data() {
  if (!transaction_) {
    bad(ParseError{503, "5.5.1", "Need MAIL before DATA"});
    co_return;
  }
  if (transaction_->envelope.params.body == BodyType::binary_mime) {
    // RFC 3030 §3: BINARYMIME messages come only in BDAT chunks.
    say(503, "5.5.1", "BODY=BINARYMIME needs BDAT");
    co_return;
  }
  if (transaction_->envelope.recipients.empty()) {
    say(554, "5.5.1", "No valid recipients");
    co_return;
  }
  say(354, "", "End data with <CR><LF>.<CR><LF>");
  DataReader reader(options().max_message_bytes);
  for (;;) {
    size_t used = reader.feed(in_);
    in_.erase(0, used);
    if (reader.done()) break;
    auto more = read_more();
    if (!co_await std::move(more)) {
      // The client went away mid-message: nothing of it is kept.
      closing_ = true;
      transaction_.reset();
      co_return;
    }
  }
  if (reader.too_big()) {
    reset_transaction();
    say(552, "5.3.4", "Message size exceeds fixed maximum message size");
    co_return;
  }
  if (reader.smuggling()) {
    reset_transaction();
    say(550, "5.5.2", "Message has a bare LF next to a dot line (SMTP smuggling); not accepted");
    co_return;
  }
  auto finish = finish_message(reader.take());
  co_await std::move(finish);
}

asio::awaitable<void> Session::bdat(Command& command) {
  // RFC 3030 §2: the chunk's bytes follow the command whatever we answer; read them all.
  bool refuse = !transaction_ || transaction_->bdat_failed || transaction_->envelope.recipients.empty();
  bdat_.begin_chunk(command.chunk_size, command.last_chunk);
  for (;;) {
    size_t used = bdat_.feed(in_);
    in_.erase(0, used);
    if (bdat_.chunk_done()) break;
    auto more = read_more();
    if (!co_await std::move(more)) {
      closing_ = true;
      transaction_.reset();
      co_return;
    }
  }
  if (refuse) {
    if (!transaction_) {
      bad(ParseError{503, "5.5.1", "Need MAIL before BDAT"});
    } else {
      transaction_->bdat_failed = true;
      say(554, "5.5.1", "No valid recipients");
    }
    if (command.last_chunk)
      reset_transaction();
    else
      bdat_.begin_chunk(0, false);
    co_return;
  }
  if (!command.last_chunk) {
    say(250, "2.0.0", std::to_string(command.chunk_size) + " octets received");
    co_return;
  }
  if (bdat_.too_big()) {
    reset_transaction();
    say(552, "5.3.4", "Message size exceeds fixed maximum message size");
    co_return;
  }
  auto finish = finish_message(bdat_.take());
  co_await std::move(finish);
}

asio::awaitable<void> Session::finish_message(std::string message) {
  Envelope envelope = std::move(transaction_->envelope);
  reset_transaction();
  TraceInfo trace;
  trace.helo = envelope.helo;
  trace.client_ip = envelope.client_ip;
  trace.hostname = options().hostname;
  trace.esmtp = esmtp_;
  trace.tls = envelope.tls;
  trace.utf8 = envelope.params.smtputf8;
  trace.unix_time = unix_now();
  auto shared = std::make_shared<const std::string>(std::move(message));
  auto deliver = context_->delivery->deliver(std::move(envelope), shared, received_header(trace));
  Reply verdict = co_await std::move(deliver);
  const char* result = verdict.positive() ? "accepted" : verdict.code < 500 ? "deferred" : "rejected";
  metrics::global()
      .counter("sealmail_smtp_messages_total", "Messages answered after DATA/BDAT, by answer.",
               std::string("result=\"") + result + "\"")
      .add();
  say(verdict.code, verdict.enhanced, verdict.text);
}

asio::awaitable<void> Session::starttls() {
  if (!context_->tls || connection_->tls()) {
    say(502, "5.5.1", "STARTTLS not available");
    co_return;
  }
  say(220, "2.0.0", "Ready to start TLS");
  auto flushed = flush();
  if (!co_await std::move(flushed)) {
    closing_ = true;
    co_return;
  }
  // RFC 3207 §4.2: whatever the client said before the handshake is forgotten, including bytes
  // it pipelined after STARTTLS in the clear (they could be an attacker's injected commands).
  in_.clear();
  helo_.clear();
  authenticated_.clear();
  esmtp_ = false;
  reset_transaction();
  auto handshake = connection_->start_tls(*context_->tls, options().tls_handshake_timeout);
  if (co_await std::move(handshake)) closing_ = true;
}

}  // namespace sealmail::smtp

#include "pop3/server/session.h"

#include "core/log.h"
#include "core/metrics.h"
#include "core/wipe.h"
#include "pop3/server/command_table.h"

namespace sealmail::pop3 {

void refuse(std::string text, RespCode code) { throw CommandError{std::move(text), code}; }

void fail(const sealmail::Error& error) {
  switch (error.code) {
    case Errc::not_found:
      refuse("no such message: removed by another session");
    case Errc::busy:
    case Errc::io:
      log::warn("pop3_store_busy", {{"code", to_string(error.code)}, {"reason", error.message}});
      refuse("the mailbox is busy, try again later", RespCode::sys_temp);
    case Errc::corrupt:
    case Errc::schema_mismatch:
      log::error("pop3_store_error", {{"code", to_string(error.code)}, {"reason", error.message}});
      refuse("the mailbox cannot be read; contact the administrator", RespCode::sys_perm);
    default:
      log::error("pop3_store_error", {{"code", to_string(error.code)}, {"reason", error.message}});
      refuse("internal error, logged", RespCode::sys_temp);
  }
}

Session::Session(std::shared_ptr<ServerContext> context, std::shared_ptr<net::Connection> connection)
    : context_(std::move(context)), connection_(std::move(connection)) {}

Session::~Session() { end(); }

asio::awaitable<bool> Session::flush() {
  if (out_.empty()) co_return connection_->is_open();
  auto write = connection_->write(out_, options().write_timeout);
  auto ec = co_await std::move(write);
  // Keep a buffer that fits a few messages; give a big one (many pipelined RETRs) back.
  if (out_.capacity() > 4 * options().max_pending_output) {
    std::string().swap(out_);
  } else {
    out_.clear();
  }
  co_return !ec;
}

bool Session::login_allowed() const {
  return connection_->tls() || (options().allow_plaintext_on_loopback && connection_->remote_is_loopback());
}

Capabilities Session::capabilities() const {
  Capabilities caps;
  caps.expire = "NEVER";  // RFC 2449 §6.7: sealmail never deletes mail on its own
  if (state_.index() == static_cast<size_t>(StateKind::authorization)) {
    caps.stls = !connection_->tls() && context_->tls != nullptr;
    // RFC 2595 §2, RFC 2449 §6.2-6.3: clear-text mechanisms are announced only where accepted.
    if (login_allowed()) {
      caps.user = true;
      caps.sasl = {"PLAIN"};
    }
  }
  return caps;
}

void Session::logged_in(Transaction transaction) {
  const std::string id = transaction.alias.mailbox_id;
  state_ = std::move(transaction);
  std::weak_ptr<Session> weak = weak_from_this();
  auto executor = connection_->executor();
  // A password change or a deleted alias ends the session without the UPDATE state.
  closer_token_ = context_->registry->add_closer(id, [weak, executor] {
    asio::post(executor, [weak] {
      if (auto self = weak.lock()) {
        self->revoked_ = true;
        self->connection_->close();
      }
    });
  });
}

void Session::end() {
  if (auto* t = std::get_if<Transaction>(&state_)) {
    context_->registry->remove_closer(t->alias.mailbox_id, closer_token_);
    // Drops the mailbox (the last holder's release zeroes the key) and the maildrop lock.
    state_ = Authorization{};
  }
}

asio::awaitable<std::optional<std::string>> Session::read_sasl_line() {
  for (;;) {
    auto event = parser_.next_line();
    if (auto* line = std::get_if<ContinuationLine>(&event)) co_return std::move(line->text);
    if (auto* error = std::get_if<ParseError>(&event)) throw CommandError{error->text, RespCode::none, error->fatal};
    auto read = connection_->read_some(in_, options().autologout);
    auto ec = co_await std::move(read);
    if (ec) co_return std::nullopt;
    parser_.feed(in_);
    sasl::wipe(in_);
  }
}

asio::awaitable<bool> Session::start_tls() {
  auto handshake = connection_->start_tls(*context_->tls, options().tls_handshake_timeout);
  auto ec = co_await std::move(handshake);
  co_return !ec;
}

void Session::note_error() {
  metrics::protocol_meter("pop3").errors.add();
  if (++errors_in_a_row_ < options().max_errors) return;
  append_err(out_, "too many errors; closing the connection");
  closing_ = true;
}

void Session::answer_parse_error(const ParseError& error) {
  append_err(out_, error.text);
  if (error.fatal) closing_ = true;
  note_error();
}

asio::awaitable<void> Session::run() {
  auto self = shared_from_this();
  if (options().implicit_tls) {
    auto handshake = connection_->start_tls(*context_->tls, options().tls_handshake_timeout);
    auto ec = co_await std::move(handshake);
    if (ec) co_return;
  }
  // No APOP timestamp: APOP needs the password in clear on the server, which sealmail never keeps.
  append_ok(out_, "sealmail POP3 ready");
  for (;;) {
    auto event = next_event();
    if (std::holds_alternative<NeedMore>(event)) {
      auto write = flush();
      if (!co_await std::move(write) || closing_) break;
      auto read = connection_->read_some(in_, options().autologout);
      auto ec = co_await std::move(read);
      // RFC 1939 §3: when the autologout timer expires the server closes the connection, without
      // an answer and without entering the UPDATE state; so it does on every read error.
      if (ec) break;
      parser_.feed(in_);
      sasl::wipe(in_);  // may hold a password
      continue;
    }
    if (auto* error = std::get_if<ParseError>(&event)) {
      answer_parse_error(*error);
    } else {
      auto& command = std::get<Command>(event);
      auto work = dispatch(command);
      co_await std::move(work);
      command.wipe_secrets();
    }
    if (revoked_) break;  // the socket is closed already; nothing more can be said
    if (closing_) {
      auto write = flush();
      co_await std::move(write);
      break;
    }
    if (out_.size() >= options().max_pending_output) {
      auto write = flush();
      if (!co_await std::move(write)) break;
    }
  }
  end();
}

Parser::Event Session::next_event() {
  if (lookahead_.empty()) return parser_.next();
  auto event = std::move(lookahead_.front());
  lookahead_.pop_front();
  return event;
}

asio::awaitable<void> Session::dispatch(Command& command) {
  static auto& meter = metrics::protocol_meter("pop3");
  metrics::CommandTimer timer(meter);
  const CommandSpec& spec = find_command(command.verb);
  if (!spec.allowed(state())) {
    const bool logged_in = state() == StateKind::transaction;
    append_err(out_,
               std::string(to_string(command.verb)) + (logged_in ? " is not allowed after login" : ": log in first"));
    note_error();
    co_return;
  }
  std::optional<CommandError> error;
  try {
    auto work = spec.handler(*this, command);
    co_await std::move(work);
  } catch (const CommandError& e) {
    error = e;
  }
  if (!error) {
    errors_in_a_row_ = 0;
    co_return;
  }
  append_err(out_, error->text, error->code);
  if (error->close) closing_ = true;
  note_error();
}

}  // namespace sealmail::pop3

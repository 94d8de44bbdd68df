#include "imap/server/session.h"

#include <algorithm>

#include "core/log.h"
#include "core/metrics.h"
#include "crypto/secret.h"
#include "imap/protocol/mailbox_name.h"
#include "imap/protocol/response.h"
#include "imap/server/capabilities.h"
#include "imap/server/command_table.h"

namespace sealmail::imap {

void bad(std::string text) { throw CommandError{CommandError::Kind::bad, {}, std::move(text)}; }
void no(std::string code, std::string text) { throw CommandError{CommandError::Kind::no, std::move(code), std::move(text)}; }

void fail(const sealmail::Error& error) {
  switch (error.code) {
    case Errc::not_found: no("NONEXISTENT", error.message);
    case Errc::already_exists: no("ALREADYEXISTS", error.message);
    case Errc::invalid_argument: no("CANNOT", error.message);
    case Errc::quota_exceeded: no("OVERQUOTA", error.message);
    case Errc::wrong_password: no("AUTHENTICATIONFAILED", "invalid credentials");
    case Errc::busy: no("INUSE", "the mailbox is busy, try again");
    default:
      log::error("imap_store_error", {{"code", to_string(error.code)}, {"reason", error.message}});
      no("SERVERBUG", "internal error, logged");
  }
}

Session::Session(std::shared_ptr<ServerContext> context, std::shared_ptr<net::Connection> connection)
    : context_(std::move(context)), connection_(std::move(connection)), receiver_(Limits::before_login()),
      wake_(connection_->executor()) {}

Session::~Session() { logout_cleanup(); }

void Session::untagged(std::string_view line) {
  out_ += "* ";
  out_ += line;
  out_ += "\r\n";
}

asio::awaitable<bool> Session::flush() {
  if (out_.empty()) co_return connection_->is_open();
  auto ec = co_await connection_->write(out_, options().write_timeout);
  // Keep small buffers; give big ones (a large FETCH) back.
  if (out_.capacity() > 64 * 1024) {
    std::string().swap(out_);
  } else {
    out_.clear();
  }
  co_return !ec;
}

bool Session::login_allowed() const {
  return connection_->tls() || (options().allow_plaintext_on_loopback && connection_->remote_is_loopback());
}

std::string Session::folder_from_wire(const std::string& name) const {
  if (name == "INBOX") return name;
  if (utf8) {
    if (!is_valid_utf8(name)) bad("mailbox name is not valid UTF-8");
    return name;
  }
  auto decoded = decode_mailbox_utf7(name);
  if (!decoded) no("CANNOT", "mailbox name is not valid modified UTF-7");
  return *decoded;
}

std::string Session::folder_to_wire(std::string_view name) const {
  std::string wire = utf8 ? std::string(name) : encode_mailbox_utf7(name);
  return astring(wire, utf8);
}

std::string Session::string(std::string_view value) const { return quote_or_literal(value, utf8); }

void Session::logged_in(directory::Alias alias, std::shared_ptr<store::Mailbox> mailbox) {
  alias_ = std::move(alias);
  mailbox_ = std::move(mailbox);
  state_ = SessionState::authenticated;
  receiver_.set_limits(Limits::after_login());
  std::weak_ptr<Session> weak = weak_from_this();
  auto executor = connection_->executor();
  listener_token_ = mailbox_->subscribe([weak, executor](const store::ChangeEvent& event) {
    if (event.kind == store::ChangeEvent::Kind::folders) return;
    asio::post(executor, [weak, folder = event.folder] {
      auto self = weak.lock();
      if (self && self->selected_ && self->selected_->name == folder) self->on_change();
    });
  });
  // A password change or a deleted alias ends the session (issue 4: "* BYE").
  closer_token_ = context_->registry->add_closer(alias_.mailbox_id, [weak, executor] {
    asio::post(executor, [weak] {
      if (auto self = weak.lock()) {
        self->revoked_ = true;
        self->connection_->interrupt();
      }
    });
  });
}

void Session::logout_cleanup() {
  if (mailbox_) {
    mailbox_->unsubscribe(listener_token_);
    context_->registry->remove_closer(alias_.mailbox_id, closer_token_);
    mailbox_.reset();  // the last holder's release zeroes the key
  }
}

void Session::on_change() {
  changes_pending_ = true;
  if (idling_) wake_.cancel();
}

void Session::enable_condstore() {
  if (condstore) return;
  condstore = true;
  if (selected_) untagged("OK [HIGHESTMODSEQ " + std::to_string(selected_->modseq) + "] Highest");
}

void Session::select(SelectedFolder folder) {
  selected_ = std::move(folder);
  changes_pending_ = false;
  state_ = SessionState::selected;
}

void Session::unselect() {
  selected_.reset();
  saved_search.clear();
  if (state_ == SessionState::selected) state_ = SessionState::authenticated;
}

asio::awaitable<bool> Session::start_tls() {
  // Bytes pipelined after STARTTLS were sent in plaintext: they must not be taken as commands
  // sent under TLS (RFC 9051 §6.2.1, CVE-2011-0411).
  auto injected = receiver_.take_buffered();
  crypto::wipe(injected.data(), injected.size());
  in_.clear();
  auto ec = co_await connection_->start_tls(*context_->tls, options().login_timeout);
  co_return !ec;
}

asio::awaitable<void> Session::answer_error(const Error& error) {
  metrics::protocol_meter("imap").errors.add();
  switch (error.kind) {
    case Error::Kind::bad:
      out_ += status_response(error.tag, "BAD", "", error.text);
      ++bad_count;
      break;
    case Error::Kind::bad_charset:
      if (error.empties_saved_result) saved_search.clear();
      out_ += status_response(error.tag, "NO", "BADCHARSET (UTF-8 US-ASCII)", error.text);
      break;
    case Error::Kind::too_big:
      out_ += status_response(error.tag, "NO", "TOOBIG", error.text);
      break;
    case Error::Kind::fatal:
      out_ += status_response("", "BYE", "", error.text);
      closing_ = true;
      break;
  }
  if (bad_count >= options().max_bad_commands) {
    out_ += status_response("", "BYE", "", "Too many invalid commands");
    closing_ = true;
  }
  co_return;
}

asio::awaitable<void> Session::run() {
  auto self = shared_from_this();
  auto& meter = metrics::protocol_meter("imap");
  login_deadline_ = std::chrono::steady_clock::now() + options().login_timeout;
  if (options().implicit_tls) {
    auto ec = co_await connection_->start_tls(*context_->tls, options().login_timeout);
    if (ec) co_return;
  }
  untagged("OK [CAPABILITY " + capabilities(*this) + "] sealmail ready");
  for (;;) {
    auto event = receiver_.next();
    if (std::holds_alternative<NeedMore>(event)) {
      if (!co_await flush() || closing_) break;
      auto timeout = options().autologout;
      if (state_ == SessionState::not_authenticated) {
        // Before login the whole exchange has one deadline, so a client trickling a byte at a
        // time cannot hold a connection open (Dovecot: login_timeout).
        auto left = std::chrono::duration_cast<std::chrono::seconds>(login_deadline_ - std::chrono::steady_clock::now());
        timeout = std::max(std::chrono::seconds(1), std::min(options().login_timeout, left));
      }
      auto ec = co_await connection_->read_some(in_, timeout);
      if (ec) {
        if (revoked_) {
          untagged("BYE the password of this mailbox changed or the address was removed; log in again");
          co_await flush();
        } else if (ec == asio::error::timed_out) {
          untagged(state_ == SessionState::not_authenticated ? "BYE Login timed out" : "BYE Autologout; idle for too long");
          co_await flush();
        }
        break;
      }
      receiver_.feed(in_);
      crypto::wipe(in_.data(), in_.size());  // may hold a LOGIN password
      in_.clear();
      continue;
    }
    if (auto* cont = std::get_if<NeedContinuation>(&event)) {
      if (cont->command == "APPEND" && cont->size > options().max_message_bytes) {
        receiver_.reject_literal();
        out_ += status_response(cont->tag, "NO", "TOOBIG", "message exceeds the APPENDLIMIT");
        continue;
      }
      out_ += "+ OK\r\n";
      if (!co_await flush()) break;
      continue;
    }
    if (auto* error = std::get_if<Error>(&event)) {
      co_await answer_error(*error);
      if (closing_) {
        co_await flush();
        break;
      }
      continue;
    }
    auto& command = std::get<Command>(event);
    {
      metrics::CommandTimer timer(meter);
      co_await dispatch(command);
    }
    // Pipelined commands are answered together, but a client that does not read gets at most
    // this much buffered before the next write makes the session wait for it.
    if (out_.size() > 64 * 1024 && !co_await flush()) break;
    if (revoked_) {
      untagged("BYE the password of this mailbox changed or the address was removed; log in again");
      co_await flush();
      break;
    }
    if (closing_) {
      co_await flush();
      break;
    }
  }
  logout_cleanup();
}

asio::awaitable<void> Session::dispatch(Command& command) {
  const CommandSpec* spec = find_command(command.name);
  if (spec == nullptr || !spec->allowed(state_)) metrics::protocol_meter("imap").errors.add();
  if (spec == nullptr) {
    ++bad_count;
    out_ += status_response(command.tag, "BAD", "", "Unknown command");
    co_return;
  }
  if (!spec->allowed(state_)) {
    ++bad_count;
    const char* why = state_ == SessionState::not_authenticated ? "Log in first"
                      : spec->needs_selected()                  ? "No mailbox selected"
                                                                : "Not allowed now";
    out_ += status_response(command.tag, "BAD", "", why);
    co_return;
  }
  Completion done;
  std::optional<CommandError> error;
  try {
    auto work = spec->handler(*this, command);
    done = co_await std::move(work);
  } catch (const CommandError& e) {
    error = e;
  }
  if (error) {
    metrics::protocol_meter("imap").errors.add();
    if (error->kind == CommandError::Kind::bad) {
      ++bad_count;
      out_ += status_response(command.tag, "BAD", error->code, error->text);
    } else {
      bad_count = 0;
      out_ += status_response(command.tag, "NO", error->code, error->text);
    }
    co_return;
  }
  bad_count = 0;
  if (selected_ && !done.skip_report) {
    // RFC 9051 §7.5.1: no EXPUNGE during FETCH, STORE or SEARCH (their UID forms may carry them).
    bool allow_expunge = command.uid || !spec->defers_expunge();
    co_await report_changes(allow_expunge);
  }
  if (!done.skip_tagged) out_ += status_response(command.tag, "OK", done.code, done.text);
}

}  // namespace sealmail::imap

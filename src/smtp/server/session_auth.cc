// AUTH for submission (RFC 4954): SASL PLAIN (RFC 4616) and LOGIN (core/sasl_login.h), with or
// without an initial response. Rules kept here:
// - Only over TLS (RFC 8314 §3.3, RFC 4954 §4 "SHOULD NOT advertise ... unless a strong
//   security layer is active"): before STARTTLS the answer is 530 5.7.0.
// - Not during a mail transaction, not twice (RFC 4954 §4: 503).
// - "*" cancels (501 5.0.0); a response that is not valid base64 or not a valid PLAIN/LOGIN
//   answer is 501 5.5.2; a wrong password 535 5.7.8 (the Authenticator decides, and throttles).
// - The secret is kept in heap strings only as long as it takes to hand it over, then wiped,
//   and so are the bytes of the input buffer that carried it.
#include <algorithm>

#include "core/log.h"
#include "core/sasl_login.h"
#include "core/sasl_plain.h"
#include "core/wipe.h"
#include "smtp/server/session.h"

namespace sealmail::smtp {

namespace {

// Heap storage whatever the length, so that moving the string moves the pointer (command.h).
std::string secret_string(std::string_view bytes) {
  std::string out;
  out.reserve(std::max<size_t>(64, bytes.size()));
  out.assign(bytes);
  return out;
}

struct WipeOnExit {
  std::string& s;
  ~WipeOnExit() { sasl::wipe(s); }
};

}  // namespace

asio::awaitable<std::optional<std::string>> Session::read_sasl_line() {
  for (;;) {
    auto next = lines_.next(in_);
    if (std::holds_alternative<LineReader::NeedMore>(next)) {
      auto more = read_more();
      if (!co_await std::move(more)) {
        closing_ = true;
        co_return std::nullopt;
      }
      continue;
    }
    if (auto* too_long = std::get_if<LineReader::TooLong>(&next)) {
      bool ended = too_long->consumed > 0 && in_[too_long->consumed - 1] == '\n';
      sasl::wipe_bytes(in_.data(), too_long->consumed);
      in_.erase(0, too_long->consumed);
      discarding_line_ = !ended;
      say(500, "5.5.6", "Line too long");
      co_return std::nullopt;
    }
    auto& line = std::get<LineReader::Line>(next);
    std::string out = secret_string(line.text);
    size_t consumed = line.consumed;
    sasl::wipe_bytes(in_.data(), consumed);
    in_.erase(0, consumed);
    co_return out;
  }
}

asio::awaitable<void> Session::auth(Command& command) {
  std::string argument = std::move(command.argument);
  WipeOnExit wipe_argument{argument};
  command.wipe_secrets();
  if (!connection_->tls()) {
    say(530, "5.7.0", "Must issue a STARTTLS command first");
    co_return;
  }
  if (!authenticated_.empty()) {
    say(503, "5.5.1", "Already authenticated");
    co_return;
  }
  if (helo_.empty()) {
    say(503, "5.5.1", "Say EHLO first");
    co_return;
  }
  if (transaction_) {
    say(503, "5.5.1", "AUTH is not allowed during a mail transaction");
    co_return;
  }
  if (!context_->authenticator) {
    say(454, "4.7.0", "Temporary authentication failure");
    co_return;
  }
  size_t sp = argument.find(' ');
  std::string mechanism = argument.substr(0, sp);
  for (char& c : mechanism)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  std::string initial =
      secret_string(sp == std::string::npos ? std::string_view() : std::string_view(argument).substr(sp + 1));
  WipeOnExit wipe_initial{initial};
  bool has_initial = sp != std::string::npos;

  // One SASL answer: the initial response if given (RFC 4954 §4: "=" is an empty one), else a
  // line read after the 334 challenge. False (answered) when cancelled, malformed or gone.
  std::string user, password;
  WipeOnExit wipe_user{user}, wipe_password{password};
  auto answer = [this](std::string challenge) -> asio::awaitable<std::optional<std::string>> {
    // RFC 4954 §4: "334" SP [base64]; reply() would drop the space of an empty challenge.
    out_ += "334 " + challenge + "\r\n";
    auto line = read_sasl_line();
    auto got = co_await std::move(line);
    if (got && *got == "*") {
      say(501, "5.0.0", "Authentication cancelled");
      co_return std::nullopt;
    }
    co_return got;
  };

  if (mechanism == "PLAIN") {
    std::string response;
    WipeOnExit wipe_response{response};
    if (has_initial) {
      response = std::move(initial);
    } else {
      auto asked = answer("");
      auto got = co_await std::move(asked);
      if (!got) co_return;
      response = std::move(*got);
      sasl::wipe(*got);
    }
    auto decoded = sasl::decode_sasl_plain(response == "=" ? std::string_view() : std::string_view(response));
    if (!decoded) {
      ++errors_;
      say(501, "5.5.2", "Invalid SASL PLAIN response");
      co_return;
    }
    user = std::move(decoded->authcid);
    password = std::move(decoded->password);
    decoded->wipe();
  } else if (mechanism == "LOGIN") {
    std::string encoded_user;
    WipeOnExit wipe_encoded{encoded_user};
    if (has_initial) {
      encoded_user = std::move(initial);
    } else {
      auto asked = answer(std::string(sasl::kLoginUserChallenge));
      auto got = co_await std::move(asked);
      if (!got) co_return;
      encoded_user = std::move(*got);
    }
    auto name = sasl::decode_sasl_login_field(encoded_user);
    if (!name) {
      ++errors_;
      say(501, "5.5.2", "Invalid SASL LOGIN response");
      co_return;
    }
    user = std::move(*name);
    auto asked = answer(std::string(sasl::kLoginPasswordChallenge));
    auto got = co_await std::move(asked);
    if (!got) co_return;
    WipeOnExit wipe_got{*got};
    auto secret = sasl::decode_sasl_login_field(*got);
    if (!secret) {
      ++errors_;
      say(501, "5.5.2", "Invalid SASL LOGIN response");
      co_return;
    }
    password = std::move(*secret);
  } else {
    say(504, "5.5.4", "Unrecognized authentication mechanism (PLAIN and LOGIN are offered)");
    co_return;
  }

  auto checking = context_->authenticator->authenticate(user, password, connection_->remote_ip());
  AuthVerdict verdict = co_await std::move(checking);
  if (verdict.reply.code == 235) {
    authenticated_ = std::move(verdict.alias);
    login_hold_ = std::move(verdict.hold);
  } else if (verdict.reply.code >= 500) {
    ++errors_;  // a client guessing passwords counts against its error budget too
  }
  say(verdict.reply.code, verdict.reply.enhanced, verdict.reply.text);
}

}  // namespace sealmail::smtp

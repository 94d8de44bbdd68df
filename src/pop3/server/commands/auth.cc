// AUTH (RFC 5034): SASL PLAIN (RFC 4616), with an initial response or after an empty "+ "
// challenge; "*" cancels (RFC 5034 §4). A bare "AUTH" lists the mechanisms (the RFC 1734 form
// that some clients still send before choosing).
#include "core/sasl_plain.h"
#include "core/utf8.h"
#include "core/wipe.h"
#include "pop3/server/commands/handlers.h"
#include "pop3/server/login.h"

namespace sealmail::pop3::commands {

Result auth(Session& s, Command& c) {
  if (c.mechanism.empty()) {
    append_ok(s.out(), "supported mechanisms follow");
    if (s.login_allowed()) s.out() += "PLAIN\r\n";
    s.out() += kEndOfMultiline;
    co_return;
  }
  if (c.mechanism != "PLAIN") refuse("unsupported SASL mechanism; use PLAIN");
  if (!s.login_allowed()) refuse("use STLS (or pop3s) before logging in");
  std::string response;
  if (c.initial_response) {
    response = std::move(*c.initial_response);
    c.wipe_secrets();
  } else {
    append_challenge(s.out(), "");
    auto write = s.flush();
    if (!co_await std::move(write)) {
      s.close_after_command();
      co_return;
    }
    auto work = s.read_sasl_line();
    auto line = co_await std::move(work);
    if (!line) {
      s.close_after_command();
      co_return;
    }
    response = std::move(*line);
  }
  if (response == "*") refuse("authentication cancelled");
  auto credentials = sasl::decode_sasl_plain(response);
  sasl::wipe(response);
  if (!credentials) refuse("malformed SASL PLAIN response", RespCode::auth);
  if (!s.utf8 && !sasl::is_ascii(credentials->authcid)) {
    credentials->wipe();
    refuse("send UTF8 first to use a UTF-8 user name", RespCode::utf8);
  }
  auto password = crypto::SecretBuffer::from(credentials->password);
  std::string user = credentials->authcid;
  credentials->wipe();
  auto work = log_in(s, std::move(user), std::move(password));
  co_await std::move(work);
}

}  // namespace sealmail::pop3::commands

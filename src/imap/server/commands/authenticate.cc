// AUTHENTICATE PLAIN (RFC 9051 §6.2.2, RFC 4616), with an initial response (RFC 4959 SASL-IR) or
// after an empty continuation. "*" cancels (BAD, RFC 9051 §6.2.2).
#include "core/sasl_plain.h"
#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"
#include "imap/server/login.h"

namespace sealmail::imap::commands {

Result authenticate(Session& s, Command& c) {
  auto& args = std::get<AuthenticateArgs>(c.args);
  if (args.mechanism != "PLAIN") no("CANNOT", "only AUTHENTICATE PLAIN is supported");
  if (!s.login_allowed()) no("PRIVACYREQUIRED", "use STARTTLS (or imaps) before logging in");
  std::string response;
  if (args.initial_response) {
    response = args.initial_response->str();
    args.initial_response->wipe();
  } else {
    s.out() += "+ \r\n";
    if (!co_await s.flush()) co_return Completion{.skip_report = true, .skip_tagged = true};
    for (;;) {
      auto event = s.receiver().next_line();
      if (auto* line = std::get_if<Line>(&event)) {
        response = std::move(line->text);
        wipe_string(line->text);
        break;
      }
      if (std::holds_alternative<Error>(event)) bad("SASL response too long");
      std::string chunk;
      auto ec = co_await s.connection().read_some(chunk, s.options().login_timeout);
      if (ec) {
        s.close_after_command();
        co_return Completion{.skip_report = true, .skip_tagged = true};
      }
      s.receiver().feed(chunk);
      wipe_string(chunk);
    }
  }
  if (response == "*") {
    wipe_string(response);
    bad("authentication cancelled");
  }
  // RFC 4959 §3: "=" is an empty initial response.
  auto credentials = sasl::decode_sasl_plain(response == "=" ? std::string_view() : std::string_view(response));
  wipe_string(response);
  if (!credentials) no("AUTHENTICATIONFAILED", "malformed PLAIN response");
  auto password = crypto::SecretBuffer::from(credentials->password);
  std::string user = credentials->authcid;
  credentials->wipe();
  auto work = log_in(s, std::move(user), std::move(password));
  co_return co_await std::move(work);
}

}  // namespace sealmail::imap::commands

// PASS (RFC 1939 §7): the password for the name USER gave. Whatever the outcome, the name is
// forgotten: after a failure the client starts again with USER or AUTH (RFC 1939 §7).
#include "pop3/server/commands/handlers.h"
#include "pop3/server/login.h"

namespace sealmail::pop3::commands {

Result pass(Session& s, Command& c) {
  auto password = crypto::SecretBuffer::from(c.password);
  c.wipe_secrets();
  auto user = std::move(s.authorization().user);
  s.authorization().user.reset();
  if (!user) refuse("send USER first");
  auto work = log_in(s, std::move(*user), std::move(password));
  co_await std::move(work);
}

}  // namespace sealmail::pop3::commands

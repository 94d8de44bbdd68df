// LOGIN (RFC 9051 §6.2.3): the full alias address and its password.
#include "imap/server/commands/handlers.h"
#include "imap/server/login.h"

namespace sealmail::imap::commands {

Result login(Session& s, Command& c) {
  auto& args = std::get<LoginArgs>(c.args);
  auto password = crypto::SecretBuffer::from(args.password.view());
  args.password.wipe();
  auto work = log_in(s, args.user, std::move(password));
  co_return co_await std::move(work);
}

}  // namespace sealmail::imap::commands

// STARTTLS (RFC 9051 §6.2.1): the OK goes out in plaintext, then the TLS handshake; what the
// client pipelined after the command is discarded.
#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result starttls(Session& s, Command& c) {
  if (s.tls_active()) bad("TLS is already active");
  s.out() += status_response(c.tag, "OK", "", "Begin TLS negotiation now");
  bool flushed = co_await s.flush();
  bool secured = flushed && co_await s.start_tls();
  if (!secured) s.close_after_command();
  Completion done;
  done.skip_tagged = true;
  co_return done;
}

}  // namespace sealmail::imap::commands

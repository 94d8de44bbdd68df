// STLS (RFC 2595 §4): "+OK", then the TLS handshake; the session goes on in the AUTHORIZATION
// state. A client that pipelined anything after STLS is disconnected: those bytes were sent in
// plaintext and must not be taken as commands under TLS (the lesson of CVE-2011-0411), and a
// client that does it is broken or under attack.
#include "core/log.h"
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result stls(Session& s, Command&) {
  if (s.tls_active()) refuse("TLS is already active");
  if (!s.context().tls) refuse("TLS is not available", RespCode::sys_perm);
  if (s.parser().buffered() > 0) {
    s.parser().discard_buffered();
    log::info("pop3_stls_injection", {{"ip", s.connection().remote_ip()}});
    throw CommandError{"commands pipelined after STLS; closing", RespCode::none, true};
  }
  append_ok(s.out(), "begin TLS negotiation");
  auto write = s.flush();
  bool secured = co_await std::move(write);
  if (secured) {
    auto work = s.start_tls();
    secured = co_await std::move(work);
  }
  if (!secured) s.close_after_command();
  // The client asks for the capabilities again (RFC 2595 §4): nothing carries over but the state.
  s.utf8 = false;
}

}  // namespace sealmail::pop3::commands

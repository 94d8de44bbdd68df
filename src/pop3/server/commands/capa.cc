// CAPA (RFC 2449 §5): in every state; the list depends on the state and on TLS (session.cc).
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result capa(Session& s, Command&) {
  append_capa(s.out(), s.capabilities());
  co_return;
}

}  // namespace sealmail::pop3::commands

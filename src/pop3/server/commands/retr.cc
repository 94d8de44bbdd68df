// RETR (RFC 1939 §5): the whole message, as a multi-line answer: CRLF line endings and
// byte-stuffing (response.h). The store returns the message byte-exact, so what the client gets,
// once it undoes the byte-stuffing, is the stored message with every bare LF written as CRLF:
// the size LIST gave. The message gets \Seen at QUIT (update.h).
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result retr(Session& s, Command& c) {
  auto& m = message_or_refuse(s, c);
  auto work = s.fetch_message(*c.message);
  auto raw = co_await std::move(work);
  if (!raw) fail(raw.error());
  auto& out = s.out();
  out.reserve(out.size() + raw->size() + raw->size() / 32 + 64);
  append_ok(out, std::to_string(m.size) + " octets");
  append_dot_stuffed(out, *raw);
  m.retrieved = true;
}

}  // namespace sealmail::pop3::commands

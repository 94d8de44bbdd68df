// TOP (RFC 1939 §7): the headers, the blank line and the first n lines of the body, written as
// RETR writes a message. TOP does not count as reading the message (no \Seen at QUIT).
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

Result top(Session& s, Command& c) {
  message_or_refuse(s, c);  // refuses a message that does not exist or is deleted
  auto work = s.fetch_message(*c.message);
  auto raw = co_await std::move(work);
  if (!raw) fail(raw.error());
  append_ok(s.out(), "top of message follows");
  append_dot_stuffed(s.out(), top_lines(*raw, c.lines));
}

}  // namespace sealmail::pop3::commands

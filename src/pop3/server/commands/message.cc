// The message a command names (RFC 1939 §5): it must exist in the maildrop as it was at login and
// not be marked deleted. The answers say which, and how many messages there are, as RFC 1939's
// examples do.
#include "pop3/server/commands/handlers.h"

namespace sealmail::pop3::commands {

MaildropMessage& message_or_refuse(Session& s, const Command& c) {
  auto& maildrop = s.transaction().maildrop;
  const uint32_t number = c.message.value_or(0);
  MaildropMessage* m = maildrop.at(number);
  if (m == nullptr) refuse("no such message, only " + std::to_string(maildrop.count()) + " messages in maildrop");
  if (m->deleted) refuse("message " + std::to_string(number) + " already deleted");
  return *m;
}

}  // namespace sealmail::pop3::commands

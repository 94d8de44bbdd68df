// One handler per command (one file each, in this folder). Each appends its whole answer to the
// session's output ("+OK ..." and, for multi-line answers, the lines and "."), or throws
// CommandError (session.h) for a "-ERR".
#pragma once

#include "pop3/server/command_table.h"
#include "pop3/server/session.h"

namespace sealmail::pop3::commands {

using Result = boost::asio::awaitable<void>;

Result user(Session&, Command&);
Result pass(Session&, Command&);
Result apop(Session&, Command&);
Result quit(Session&, Command&);
Result stat(Session&, Command&);
Result list(Session&, Command&);
Result retr(Session&, Command&);
Result dele(Session&, Command&);
Result noop(Session&, Command&);
Result rset(Session&, Command&);
Result top(Session&, Command&);
Result uidl(Session&, Command&);
Result capa(Session&, Command&);
Result stls(Session&, Command&);
Result auth(Session&, Command&);
Result utf8(Session&, Command&);

// The message a RETR, TOP, DELE or LIST names, if it exists and is not marked deleted (RFC 1939
// §5: "-ERR no such message"); throws CommandError otherwise.
MaildropMessage& message_or_refuse(Session& s, const Command& c);

}  // namespace sealmail::pop3::commands

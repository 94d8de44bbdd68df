// One handler per command (one file each, in this folder). Each appends its untagged responses to
// the session's output and returns the tagged OK's text, or throws CommandError (session.h).
#pragma once

#include "imap/server/command_table.h"
#include "imap/server/session.h"

namespace sealmail::imap::commands {

using Result = boost::asio::awaitable<Completion>;

Result capability(Session&, Command&);
Result noop(Session&, Command&);
Result logout(Session&, Command&);
Result starttls(Session&, Command&);
Result login(Session&, Command&);
Result authenticate(Session&, Command&);
Result enable(Session&, Command&);
Result id(Session&, Command&);
Result namespace_(Session&, Command&);
Result select(Session&, Command&);  // SELECT and EXAMINE
Result create(Session&, Command&);
Result delete_(Session&, Command&);
Result rename(Session&, Command&);
Result subscribe(Session&, Command&);  // SUBSCRIBE and UNSUBSCRIBE
Result list(Session&, Command&);       // LIST and LSUB
Result status(Session&, Command&);
Result append(Session&, Command&);
Result check(Session&, Command&);
Result close(Session&, Command&);
Result unselect(Session&, Command&);
Result expunge(Session&, Command&);
Result search(Session&, Command&);
Result sort(Session&, Command&);
Result thread(Session&, Command&);
Result fetch(Session&, Command&);
Result store(Session&, Command&);
Result copy(Session&, Command&);  // COPY and MOVE
Result idle(Session&, Command&);
Result getquota(Session&, Command&);  // GETQUOTA and GETQUOTAROOT
Result setquota(Session&, Command&);
Result compress(Session&, Command&);

}  // namespace sealmail::imap::commands

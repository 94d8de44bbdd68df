// QUIT (RFC 1939 §4 and §6). Before login it only says goodbye. After login it enters the UPDATE
// state: the messages marked deleted are removed (update.h), and the answer says whether that
// worked ("-ERR some deleted messages not removed" otherwise, RFC 1939 §6). Either way the
// session ends.
#include "core/log.h"
#include "pop3/server/commands/handlers.h"
#include "pop3/server/update.h"

namespace sealmail::pop3::commands {

Result quit(Session& s, Command&) {
  s.close_after_command();
  if (s.state() == StateKind::authorization) {
    append_ok(s.out(), "sealmail POP3 signing off");
    co_return;
  }
  auto& t = s.transaction();
  auto mailbox = t.mailbox;
  // The worker gets its own copy of the marks: it never shares the session's data.
  auto work = s.blocking([mailbox, maildrop = t.maildrop] { return apply_update(*mailbox, maildrop); });
  auto outcome = co_await std::move(work);
  if (!outcome) {
    log::warn("pop3_update_failed", {{"code", to_string(outcome.error().code)}, {"reason", outcome.error().message}});
    append_err(s.out(), "some deleted messages not removed", RespCode::sys_temp);
    co_return;
  }
  append_ok(s.out(), "sealmail POP3 signing off (" + std::to_string(outcome->removed + outcome->already_gone) +
                         " messages deleted)");
}

}  // namespace sealmail::pop3::commands

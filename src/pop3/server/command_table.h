// The command table (STYLE.md rule 5): every POP3 command with its handler and the states it is
// allowed in (RFC 1939 §4-§7, RFC 2449 §5 for CAPA, RFC 2595 §4 for STLS, RFC 5034 for AUTH,
// RFC 6856 §2 for UTF8), checked before dispatch.
#pragma once

#include <boost/asio.hpp>

#include "pop3/protocol/command.h"

namespace sealmail::pop3 {

class Session;
enum class StateKind;

// Appends the answer to the session's output, or throws CommandError (session.h).
using Handler = boost::asio::awaitable<void> (*)(Session&, Command&);

struct CommandSpec {
  Command::Verb verb;
  Handler handler;
  unsigned states;  // bit per StateKind

  bool allowed(StateKind s) const;
};

// Every verb the parser knows has an entry.
const CommandSpec& find_command(Command::Verb verb);

}  // namespace sealmail::pop3

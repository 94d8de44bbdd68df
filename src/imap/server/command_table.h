// The command table (STYLE.md rule 5): every command with its handler, the states it is allowed
// in (RFC 9051 §6), and how its answer treats changes made elsewhere.
#pragma once

#include <boost/asio.hpp>
#include <string>
#include <string_view>

#include "imap/protocol/command.h"

namespace sealmail::imap {

class Session;
enum class SessionState;

// What a handler answers when it succeeds: the tagged OK's code and text.
struct Completion {
  std::string code;  // without brackets
  std::string text = "done";
  bool skip_report = false;  // the handler reported changes itself (SELECT, IDLE, LOGOUT)
  bool skip_tagged = false;  // the handler wrote its own tagged answer
};

using Handler = boost::asio::awaitable<Completion> (*)(Session&, Command&);

struct CommandSpec {
  const char* name;
  Handler handler;
  unsigned states;  // bit per SessionState
  unsigned flags;

  static constexpr unsigned kDefersExpunge = 1;  // FETCH, STORE, SEARCH: RFC 9051 §7.5.1

  bool allowed(SessionState s) const;
  bool needs_selected() const;
  bool defers_expunge() const { return (flags & kDefersExpunge) != 0; }
};

const CommandSpec* find_command(std::string_view name);

}  // namespace sealmail::imap

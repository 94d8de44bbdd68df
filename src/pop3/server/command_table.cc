#include "pop3/server/command_table.h"

#include <array>

#include "pop3/server/commands/handlers.h"
#include "pop3/server/session.h"

namespace sealmail::pop3 {

namespace {

using Verb = Command::Verb;
namespace c = commands;

constexpr unsigned bit(StateKind s) { return 1u << static_cast<unsigned>(s); }
constexpr unsigned kAuthorization = bit(StateKind::authorization);
constexpr unsigned kTransaction = bit(StateKind::transaction);
constexpr unsigned kAny = kAuthorization | kTransaction;

// In the order of Command::Verb, so that a verb is its own index (checked below).
constexpr std::array kCommands = {
    CommandSpec{Verb::user, c::user, kAuthorization},  // RFC 1939 §7
    CommandSpec{Verb::pass, c::pass, kAuthorization},  // RFC 1939 §7
    CommandSpec{Verb::apop, c::apop, kAuthorization},  // RFC 1939 §7
    CommandSpec{Verb::quit, c::quit, kAny},            // RFC 1939 §4 and §6
    CommandSpec{Verb::stat, c::stat, kTransaction},    // RFC 1939 §5
    CommandSpec{Verb::list, c::list, kTransaction},   CommandSpec{Verb::retr, c::retr, kTransaction},
    CommandSpec{Verb::dele, c::dele, kTransaction},   CommandSpec{Verb::noop, c::noop, kTransaction},
    CommandSpec{Verb::rset, c::rset, kTransaction},   CommandSpec{Verb::top, c::top, kTransaction},  // RFC 1939 §7
    CommandSpec{Verb::uidl, c::uidl, kTransaction},                                                  // RFC 1939 §7
    CommandSpec{Verb::capa, c::capa, kAny},            // RFC 2449 §5: in every state
    CommandSpec{Verb::stls, c::stls, kAuthorization},  // RFC 2595 §4
    CommandSpec{Verb::auth, c::auth, kAuthorization},  // RFC 5034 §4
    CommandSpec{Verb::utf8, c::utf8, kAuthorization},  // RFC 6856 §2
};

constexpr bool in_verb_order() {
  for (size_t i = 0; i < kCommands.size(); ++i)
    if (static_cast<size_t>(kCommands[i].verb) != i) return false;
  return true;
}
static_assert(in_verb_order(), "kCommands must list the verbs in the order of Command::Verb");
static_assert(kCommands.size() == static_cast<size_t>(Verb::utf8) + 1, "every verb needs an entry");

}  // namespace

bool CommandSpec::allowed(StateKind s) const { return (states & bit(s)) != 0; }

const CommandSpec& find_command(Command::Verb verb) { return kCommands[static_cast<size_t>(verb)]; }

}  // namespace sealmail::pop3

#include "imap/server/command_table.h"

#include <array>

#include "imap/server/commands/handlers.h"

namespace sealmail::imap {

namespace {

constexpr unsigned bit(SessionState s) { return 1u << static_cast<unsigned>(s); }
constexpr unsigned kAny = bit(SessionState::not_authenticated) | bit(SessionState::authenticated) |
                          bit(SessionState::selected);
constexpr unsigned kNotAuth = bit(SessionState::not_authenticated);
constexpr unsigned kAuth = bit(SessionState::authenticated) | bit(SessionState::selected);
constexpr unsigned kSelected = bit(SessionState::selected);
constexpr unsigned kDefer = CommandSpec::kDefersExpunge;

namespace c = commands;

// RFC 9051 §6.1-§6.4 for the states; sorted by name for the lookup below.
constexpr std::array kCommands = {
    CommandSpec{"APPEND", c::append, kAuth, 0},
    CommandSpec{"AUTHENTICATE", c::authenticate, kNotAuth, 0},
    CommandSpec{"CAPABILITY", c::capability, kAny, 0},
    CommandSpec{"CHECK", c::check, kSelected, 0},
    CommandSpec{"CLOSE", c::close, kSelected, 0},
    CommandSpec{"COMPRESS", c::compress, kAuth, 0},
    CommandSpec{"COPY", c::copy, kSelected, 0},
    CommandSpec{"CREATE", c::create, kAuth, 0},
    CommandSpec{"DELETE", c::delete_, kAuth, 0},
    CommandSpec{"ENABLE", c::enable, kAuth, 0},
    CommandSpec{"EXAMINE", c::select, kAuth, 0},
    CommandSpec{"EXPUNGE", c::expunge, kSelected, 0},
    CommandSpec{"FETCH", c::fetch, kSelected, kDefer},
    CommandSpec{"GETQUOTA", c::getquota, kAuth, 0},
    CommandSpec{"GETQUOTAROOT", c::getquota, kAuth, 0},
    CommandSpec{"ID", c::id, kAny, 0},
    CommandSpec{"IDLE", c::idle, kAuth, 0},
    CommandSpec{"LIST", c::list, kAuth, 0},
    CommandSpec{"LOGIN", c::login, kNotAuth, 0},
    CommandSpec{"LOGOUT", c::logout, kAny, 0},
    CommandSpec{"LSUB", c::list, kAuth, 0},
    CommandSpec{"MOVE", c::copy, kSelected, 0},
    CommandSpec{"NAMESPACE", c::namespace_, kAuth, 0},
    CommandSpec{"NOOP", c::noop, kAny, 0},
    CommandSpec{"RENAME", c::rename, kAuth, 0},
    CommandSpec{"SEARCH", c::search, kSelected, kDefer},
    CommandSpec{"SELECT", c::select, kAuth, 0},
    CommandSpec{"SETQUOTA", c::setquota, kAuth, 0},
    CommandSpec{"SORT", c::sort, kSelected, kDefer},
    CommandSpec{"STARTTLS", c::starttls, kNotAuth, 0},
    CommandSpec{"STATUS", c::status, kAuth, 0},
    CommandSpec{"STORE", c::store, kSelected, kDefer},
    CommandSpec{"SUBSCRIBE", c::subscribe, kAuth, 0},
    CommandSpec{"THREAD", c::thread, kSelected, kDefer},
    CommandSpec{"UNSELECT", c::unselect, kSelected, 0},
    CommandSpec{"UNSUBSCRIBE", c::subscribe, kAuth, 0},
};

}  // namespace

bool CommandSpec::allowed(SessionState s) const { return (states & bit(s)) != 0; }
bool CommandSpec::needs_selected() const { return states == kSelected; }

const CommandSpec* find_command(std::string_view name) {
  auto it = std::lower_bound(kCommands.begin(), kCommands.end(), name,
                             [](const CommandSpec& spec, std::string_view n) { return std::string_view(spec.name) < n; });
  return (it != kCommands.end() && it->name == name) ? &*it : nullptr;
}

}  // namespace sealmail::imap

// Logging in (RFC 9051 §6.2): shared by LOGIN and AUTHENTICATE PLAIN. The password is checked
// against the directory's Argon2id hash, failures are throttled per address and per client IP
// (a growing delay, then a lockout), and the password opens the owner's encrypted mailbox
// through the registry (the key is derived only when no session of the owner is open).
#pragma once

#include <boost/asio.hpp>
#include <string>

#include "crypto/secret.h"
#include "imap/server/command_table.h"

namespace sealmail::imap {

class Session;

// Throws CommandError (NO [AUTHENTICATIONFAILED] ...) on failure.
boost::asio::awaitable<Completion> log_in(Session& session, std::string user, crypto::SecretBuffer password);

}  // namespace sealmail::imap

// Logging in (RFC 1939 §7 USER/PASS, RFC 5034 AUTH PLAIN): shared by PASS and AUTH. The steps, in
// this order:
//   1. the connection must be encrypted, or plaintext allowed here (RFC 2595 §2);
//   2. the shared LoginThrottle (the same counts as IMAP: a password guessed over POP3 counts
//      against the address over IMAP too) may lock the attempt out or delay the answer;
//   3. the password is checked against the directory's Argon2id hash (or the login cache's record
//      of a recent success with the same password);
//   4. the maildrop lock is taken (RFC 1939 §8; "-ERR [IN-USE]" when another POP3 session has it);
//   5. the password opens the owner's mailbox through the registry (the key is derived only when
//      no session of the owner is open; holding it counts as "online" for live delivery);
//   6. the sealed spool is merged into INBOX (issue 6, not there yet);
//   7. the maildrop is read (maildrop.h).
// Answers: "-ERR [AUTH]" for wrong credentials (RFC 3206 §4: the user should check them),
// "-ERR [SYS/TEMP]" for a lockout or a server problem (try later), "-ERR [SYS/PERM]" for an
// address that has no mailbox to read.
#pragma once

#include <boost/asio.hpp>
#include <string>

#include "crypto/secret.h"

namespace sealmail::pop3 {

class Session;

// Appends "+OK" and enters the TRANSACTION state, or throws CommandError.
boost::asio::awaitable<void> log_in(Session& session, std::string user, crypto::SecretBuffer password);

}  // namespace sealmail::pop3

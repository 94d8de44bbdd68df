// The UPDATE state (RFC 1939 §6): entered only by QUIT from the TRANSACTION state. The messages
// the session marked with DELE are removed from INBOX; those it retrieved with RETR (and did not
// delete) get \Seen, as Dovecot does, so that an IMAP client of the same owner shows them read.
// Nothing else is ever written by a POP3 session.
//
// Removal is the store's UID EXPUNGE (\Deleted on exactly these UIDs, then expunge within them):
// messages that an IMAP session flagged \Deleted are left for it to expunge, and the store's
// change events tell the owner's IMAP sessions at once. Blocking: call it on the worker pool.
#pragma once

#include <cstddef>

#include "core/result.h"
#include "pop3/server/maildrop.h"
#include "store/mailbox.h"

namespace sealmail::pop3 {

struct UpdateOutcome {
  size_t removed = 0;       // messages expunged
  size_t already_gone = 0;  // marked, but expunged meanwhile by another session
};

Result<UpdateOutcome> apply_update(store::Mailbox& mailbox, const Maildrop& maildrop);

}  // namespace sealmail::pop3

// Filing spooled mail again at the owner's login (issue 9): mail that waited sealed in the spool
// was scored at the MX with the server's junk model alone, because the owner's training lives
// inside the encrypted mailbox. When the login drains the spool (store/spool.h: Spool::Refiler),
// a message the MX filed to INBOX is scored again with the owner's training too, against the
// threshold its X-Sealmail-Spam header recorded; if it is junk now it goes to Junk and the header
// says so. Never the other way (DMARC quarantine and phishing keep their Junk). Mail without the
// header (spam and adult off for the alias) is left alone. Blocking; in memory only.
#pragma once

#include "delivery/filters/spam_filter.h"
#include "store/mailbox.h"

namespace sealmail::delivery {

void refile_junk(filters::SpamFilter& spam, store::Mailbox& mailbox, store::AppendRequest& request);

}  // namespace sealmail::delivery

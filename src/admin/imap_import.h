// `sealmail import ADDRESS --from imap --source imaps://USER@HOST[:PORT]`: copies every selectable
// folder of another IMAP server, with flags, keywords and internal dates and the messages'
// exact bytes, into an alias's mailbox (DESIGN.md point 9, issue 10).
//
// Re-running does not duplicate: a message is skipped when the target folder already holds one
// with the same Message-ID, size and internal date (the source's UIDs would not do, since they
// change when the source's UIDVALIDITY does, and a state file outside the encrypted mailbox would
// leak which folders exist).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "crypto/secret.h"
#include "imap/client/imap_client.h"
#include "store/mailbox.h"
#include "store/portability.h"

namespace sealmail::admin {

struct ImapImportOptions {
  imap::client::Endpoint source;
  imap::client::ClientOptions client;
  uint64_t max_message_bytes = 64u << 20;  // larger messages are skipped (and counted)
  size_t batch_messages = 100;             // per UID FETCH and per store transaction
  uint64_t batch_bytes = 32u << 20;
};

struct ImapImportStats {
  uint64_t folders = 0;
  uint64_t messages = 0;    // appended
  uint64_t duplicates = 0;  // already in the target folder
  uint64_t skipped = 0;     // over the size limit
};

Result<ImapImportStats> import_imap(store::Mailbox& mailbox, const ImapImportOptions& options,
                                    const crypto::SecretBuffer& source_password, const store::Progress& progress = {});

}  // namespace sealmail::admin

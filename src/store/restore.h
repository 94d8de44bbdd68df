// Backups as the backup service needs them from the store (issue 10; DESIGN.md point 9):
// - a digest of what a snapshot holds, read through its key, that stays the same for two
//   snapshots of an unchanged mailbox (the cipher draws a fresh nonce for every page it writes, so
//   the files' own SHA-256 never does);
// - putting a snapshot back in place of the mailbox file, so that clients resynchronize.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"
#include "crypto/mailbox_key.h"
#include "crypto/secret.h"

namespace sealmail::store {

// SHA-256 (hex) over every row of every ordinary table of the encrypted file `file` (no WAL),
// tables by name, rows in storage order, each value with its type and length. SQLite's statistics
// tables are left out: the optimizer rewrites them without any change to the mail.
Result<std::string> content_digest(const std::filesystem::path& file, const crypto::MailboxKey& key);

// Puts `snapshot` (a backup of this mailbox under the same password) in place of `file`, for
// clients as a new mailbox: every folder gets a UIDVALIDITY above any that the replaced file or
// the snapshot ever gave out (RFC 9051 §2.3.1.1; RFC 7162 §3.2.5.2: a QRESYNC client whose cached
// UIDVALIDITY differs discards what it cached and resynchronizes in full). The snapshot must open
// with `password` and pass quick_check before anything is replaced, and so must the current file
// when it exists (Errc::wrong_password otherwise). Needs every user of `file` gone (Errc::busy).
// `snapshot` must sit in the same directory as `file`; it is consumed.
Status restore_mailbox(const std::filesystem::path& file, const std::filesystem::path& snapshot,
                       const crypto::SecretBuffer& password);

}  // namespace sealmail::store

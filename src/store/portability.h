// Take your mail and leave (DESIGN.md point 9): export to mboxrd, to .eml files in a folder or a
// zip (optionally AES-256 encrypted with a password), and import from mbox and Maildir. The
// encrypted SQLite file itself is Mailbox::backup_snapshot().
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/result.h"
#include "crypto/secret.h"
#include "store/mailbox.h"

namespace sealmail::store {

// Called with (done, total) as work proceeds; total may be 0 when unknown.
using Progress = std::function<void(uint64_t done, uint64_t total)>;

struct ExportStats {
  uint64_t messages = 0;
  uint64_t bytes = 0;
};

// One mboxrd file per folder under `dir` ("Sent.mbox", "Work/Projects.mbox"), or, when `folder`
// is given, that folder alone into the file `out`.
Result<ExportStats> export_mbox(Mailbox& mailbox, const std::filesystem::path& out,
                                const std::optional<std::string>& folder, const Progress& progress = {});
// `<dir>/<folder>/<uid>.eml`.
Result<ExportStats> export_eml_dir(Mailbox& mailbox, const std::filesystem::path& dir, const Progress& progress = {});
// The same layout inside a zip; each entry AES-256 encrypted when a password is given.
Result<ExportStats> export_eml_zip(Mailbox& mailbox, const std::filesystem::path& zip_file,
                                   const crypto::SecretBuffer* password, const Progress& progress = {});

struct ImportStats {
  uint64_t messages = 0;
  uint64_t skipped = 0;  // unreadable or oversized entries
};

Result<ImportStats> import_mbox(Mailbox& mailbox, const std::filesystem::path& file, const std::string& folder,
                                const Progress& progress = {});
// A Maildir (cur/, new/) and its Maildir++ subfolders (".Sub.Folder"); flags from ":2,<flags>".
Result<ImportStats> import_maildir(Mailbox& mailbox, const std::filesystem::path& dir, const std::string& folder,
                                   const Progress& progress = {});

// A zip of .eml files as export_eml_zip writes it ("<folder>/<name>.eml"; entries at the top go to
// `folder`, the others to "<folder>/<their folder>" unless `folder` is INBOX), the internal date
// from the entry's comment (ISO 8601, as export writes it) or else its modification time; entries that are not .eml, or larger than
// `max_message_bytes`, are skipped. `password` opens AES or ZipCrypto entries.
Result<ImportStats> import_eml_zip(Mailbox& mailbox, const std::filesystem::path& zip_file, const std::string& folder,
                                   const crypto::SecretBuffer* password, uint64_t max_message_bytes = 64u << 20,
                                   const Progress& progress = {});

}  // namespace sealmail::store

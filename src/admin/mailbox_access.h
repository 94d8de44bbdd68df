// An alias's mailbox for the commands that take an address (backup, export, import, purge) and
// for the admin API: found through the directory, opened only with the owner's password, which
// is checked against the directory first (the same check as a login), so a command opens nothing
// with a password the owner could not log in with.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "backup/service.h"
#include "core/result.h"
#include "crypto/secret.h"
#include "directory/directory.h"
#include "store/mailbox.h"

namespace sealmail::admin {

struct AliasMailbox {
  directory::Alias alias;
  std::filesystem::path file;
};

// The exact alias `address` and its mailbox file; Errc::not_found when it has no mailbox.
Result<AliasMailbox> find_alias_mailbox(directory::Directory& dir, const std::filesystem::path& data_dir,
                                        std::string_view address);

// Checks `password` as a login of `address`, then opens its mailbox.
Result<std::unique_ptr<store::Mailbox>> open_alias_mailbox(directory::Directory& dir,
                                                           const std::filesystem::path& data_dir,
                                                           std::string_view address,
                                                           const crypto::SecretBuffer& password);

// The [backup] configuration of a data directory (DATA_DIR/config.toml, else off).
Result<backup::BackupConfig> data_dir_backup_config(const std::filesystem::path& data_dir);

// Puts a backup of `address`'s mailbox back in place (store::Mailbox::restore: new UIDVALIDITY
// for every folder). `password` must be the alias's login password and open the backup. Retries
// for a few seconds while the server is still closing the mailbox; Errc::busy if a session holds it.
Result<backup::BackupInfo> restore_alias_mailbox(directory::Directory& dir, const std::filesystem::path& data_dir,
                                                 std::string_view address, const crypto::SecretBuffer& password,
                                                 backup::Service& service, const std::string& which);

// The same with the file to put back written by `fetch` (into the path it is given, beside the
// mailbox): a restore to a point in time (backup/continuous.h) rebuilds it there.
Status restore_alias_mailbox_from(directory::Directory& dir, const std::filesystem::path& data_dir,
                                  std::string_view address, const crypto::SecretBuffer& password,
                                  const std::function<Status(const std::filesystem::path& incoming)>& fetch);

}  // namespace sealmail::admin

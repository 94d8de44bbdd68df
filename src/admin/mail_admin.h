// Administration that spans the directory and the mailboxes (used by the CLI and the admin API
// alike): an alias with a mailbox gets a generated password that is its mailbox key; changing it
// re-keys the mailbox; removing an alias or domain deletes its mailbox files.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "crypto/secret.h"
#include "directory/directory.h"

namespace sealmail::admin {

struct CreatedAlias {
  directory::Alias alias;
  std::optional<crypto::SecretBuffer> password;  // set when a mailbox was made: show it once
};

// Adds the alias; with a mailbox, generates its password, creates the encrypted mailbox, and keeps
// only the password's Argon2id hash and the mailbox's public key in the directory.
Result<CreatedAlias> create_alias(directory::Directory& dir, const std::filesystem::path& data_dir,
                                  const directory::NewAlias& request);

enum class PasswordChange {
  rekey,  // the current password is given: the mailbox is re-keyed, its mail kept
  reset,  // no way back: the old mailbox is deleted and a new, empty one made
};

// A new generated password for an exact alias. With a mailbox, `current` is required for a rekey;
// with PasswordChange::reset the mailbox is deleted instead. Without a mailbox, only the login
// hash changes.
Result<crypto::SecretBuffer> change_alias_password(directory::Directory& dir, const std::filesystem::path& data_dir,
                                                   std::string_view address, const crypto::SecretBuffer* current,
                                                   PasswordChange mode);

// Removes the alias and unlinks its mailbox file, WAL and index, its spool and its backups ([backup]
// target of DATA/config.toml); the backups first, so that when they cannot be deleted nothing is.
Status remove_alias(directory::Directory& dir, const std::filesystem::path& data_dir, std::string_view address);
// Removes the domain (with its aliases when `cascade`) and their mailboxes, spools and backups.
Status remove_domain(directory::Directory& dir, const std::filesystem::path& data_dir, std::string_view name,
                     bool cascade);

Result<std::unique_ptr<directory::Directory>> open_directory(const std::filesystem::path& data_dir);

}  // namespace sealmail::admin

// Administration that spans the directory and the mailboxes (used by the CLI and the admin API
// alike): an alias with a mailbox gets a generated password that is its mailbox key; changing it
// re-keys the mailbox; removing an alias or domain deletes its mailbox files.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// A new generated password for the account `name` (the domain owner's login to the account web
// page, issue 10): only its Argon2id hash is kept; the caller shows it once.
Result<crypto::SecretBuffer> generate_account_password(directory::Directory& dir, std::string_view name);

// Removes the alias and unlinks its mailbox file, WAL and index, its spool and its backups ([backup]
// target of DATA/config.toml); the backups first, so that when they cannot be deleted nothing is.
Status remove_alias(directory::Directory& dir, const std::filesystem::path& data_dir, std::string_view address);
// Removes the domain (with its aliases when `cascade`) and their mailboxes, spools and backups.
Status remove_domain(directory::Directory& dir, const std::filesystem::path& data_dir, std::string_view name,
                     bool cascade);

// OpenPGP keys of exact aliases (issue 9; checks in delivery/pgp/public_key.h). A key set here is
// used for the next message: mail to the alias is encrypted to it before it is stored or forwarded.
struct PgpKeyInfo {
  std::string address;
  std::string fingerprint;
  std::vector<std::string> user_ids;  // the valid ones (set and WKD only)
  uint64_t valid_until = 0;           // Unix seconds, 0: no expiry (set and WKD only)
  std::string updated_at;
  std::string armored;  // the public key as kept, ASCII-armored
};
// `key_text`: an armored public key block or binary packets (one key, no secret key material, able
// to encrypt, not expired or revoked, with a user id that is the alias's address).
Result<PgpKeyInfo> set_pgp_key(directory::Directory& dir, std::string_view address, std::string_view key_text);
Result<PgpKeyInfo> get_pgp_key(directory::Directory& dir, std::string_view address);  // not_found: no key
Status remove_pgp_key(directory::Directory& dir, std::string_view address);
// Finds the alias's key by Web Key Directory lookup (its own domain's WKD, over HTTPS, as set up by
// [openpgp] of `config_file`: none for the defaults) and sets it as set_pgp_key does.
Result<PgpKeyInfo> set_pgp_key_from_wkd(directory::Directory& dir,
                                        const std::optional<std::filesystem::path>& config_file,
                                        std::string_view address);
// What our WKD serves (binary key) for a hosted `domain` and a WKD hash; none when no exact alias of
// the domain with a key has that hash. `local_hint` is the "l" query parameter, if any.
Result<std::optional<std::vector<uint8_t>>> wkd_served_key(directory::Directory& dir, std::string_view domain,
                                                           std::string_view hash, std::string_view local_hint);

Result<std::unique_ptr<directory::Directory>> open_directory(const std::filesystem::path& data_dir);

}  // namespace sealmail::admin

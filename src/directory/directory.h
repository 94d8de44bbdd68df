// The directory (DESIGN.md point 2, issue 4): accounts, domains and aliases, with the password
// hashes, quotas and mailbox placement that every protocol consults. Metadata only, never mail.
//
// Rules this module keeps:
// - Blocking and thread-safe: servers call it from their worker pool, never from an I/O thread.
// - No caching of directory data: the CLI and the running server share the file, and a read sees
//   every change committed before it started (SQLite WAL), so CLI changes apply without a restart.
// - Every write is one transaction. Errors are a Result with one clear line, never a password,
//   and never a hint whether a login address exists (verify_login).
// - Addresses compare case-insensitively on both sides of the '@' (see address.h for why).
// - A PostgreSQL backend for clusters implements the same interface later.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "crypto/secret.h"
#include "directory/types.h"

namespace sealmail::directory {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

inline constexpr size_t kDefaultAliasesPerDomainPerDay = 50;

struct DirectoryOptions {
  // Aliases that may be created per domain in any 24 hours (0: no limit). Counted inside the
  // directory so that the CLI, the admin API and every server process share one count, and so
  // that deleting an alias does not give its creation back.
  size_t aliases_per_domain_per_day = kDefaultAliasesPerDomainPerDay;
  int busy_timeout_ms = 5000;
  size_t max_connections = 4;  // pooled SQLite connections: concurrent readers
  WallClock clock;             // created_at and the per-day window; default std::chrono::system_clock
};

class Directory {
 public:
  virtual ~Directory() = default;

  // Accounts. A name is unique regardless of case (address.h: validate_account_name);
  // quota_bytes 0 means unlimited.
  virtual Result<Account> add_account(std::string_view name, uint64_t quota_bytes = 0) = 0;
  virtual Result<std::vector<Account>> list_accounts() = 0;
  virtual Result<Account> get_account(int64_t id) = 0;
  virtual Result<Account> find_account(std::string_view name) = 0;
  virtual Status set_account_quota(int64_t id, uint64_t quota_bytes) = 0;
  // Refuses (invalid_argument) while the account owns domains.
  virtual Status remove_account(int64_t id) = 0;
  // The domain owner's own login (issue 10: the account web page): an Argon2id string from
  // crypto::hash_password, or empty to remove it. Kept apart from Account so that listing accounts
  // never carries hashes around.
  virtual Status set_account_password_hash(int64_t id, std::string_view hash) = 0;
  virtual Result<std::string> account_password_hash(int64_t id) = 0;

  // Domains.
  virtual Result<Domain> add_domain(const NewDomain& domain) = 0;
  virtual Result<std::vector<Domain>> list_domains() = 0;
  virtual Result<Domain> get_domain(int64_t id) = 0;
  virtual Result<Domain> find_domain(std::string_view name) = 0;
  virtual Result<bool> hosts_domain(std::string_view name) = 0;
  virtual Status set_domain_quota(int64_t id, std::optional<uint64_t> quota_bytes) = 0;  // 0 or none: no limit
  virtual Status set_dkim_selector(int64_t id, std::string_view selector) = 0;
  virtual Status set_retention_days(int64_t id, int days) = 0;
  // Without `cascade`, refuses (invalid_argument) while the domain has aliases. Returns the aliases
  // removed with it: the caller deletes their mailbox files (mailbox_path) and backups.
  virtual Result<std::vector<Alias>> remove_domain(int64_t id, bool cascade = false) = 0;

  // Aliases. add_alias needs a hosted domain and at least one destination (mailbox, forward or
  // webhook); it enforces DirectoryOptions::aliases_per_domain_per_day (quota_exceeded).
  virtual Result<Alias> add_alias(const NewAlias& alias) = 0;
  // SIGHUP (issue 4): the limit for aliases added from now on (0: none).
  virtual void set_aliases_per_domain_per_day(size_t limit) = 0;
  virtual Result<std::vector<Alias>> list_aliases() = 0;
  virtual Result<std::vector<Alias>> list_aliases(int64_t domain_id) = 0;
  virtual Result<Alias> get_alias(int64_t id) = 0;
  // The alias whose own address is `address` ("*@example.com" finds the catch-all itself; a
  // regex alias is found by its "/pattern/@domain" form). For mail routing use resolve().
  virtual Result<Alias> find_alias(std::string_view address) = 0;
  // Returns the removed alias: the caller deletes its mailbox file and backups.
  virtual Result<Alias> remove_alias(int64_t id) = 0;
  // Replaces both lists (validated; duplicates dropped, order kept).
  virtual Status set_targets(int64_t id, const std::vector<std::string>& forwards,
                             const std::vector<std::string>& webhooks) = 0;
  virtual Status set_has_mailbox(int64_t id, bool has_mailbox) = 0;
  virtual Status set_alias_quota(int64_t id, std::optional<uint64_t> quota_bytes) = 0;  // 0 or none: no limit
  // An Argon2id string from crypto::hash_password, or empty to remove the password.
  virtual Status set_password_hash(int64_t id, std::string_view hash) = 0;
  // 32 bytes (X25519), or empty to remove the key.
  virtual Status set_box_public_key(int64_t id, std::span<const uint8_t> key) = 0;

  // Content protections (issue 9, delivery/filters/settings.h): name = value pairs set on a domain
  // or an alias; a name not set is inherited. The directory stores them as given (the caller checks
  // names and values); a value of none removes the setting.
  using ProtectionSettings = std::map<std::string, std::string>;
  virtual Result<ProtectionSettings> domain_protections(int64_t domain_id) = 0;
  virtual Result<ProtectionSettings> alias_protections(int64_t alias_id) = 0;
  virtual Status set_domain_protection(int64_t domain_id, std::string_view name, std::optional<std::string> value) = 0;
  virtual Status set_alias_protection(int64_t alias_id, std::string_view name, std::optional<std::string> value) = 0;

  // OpenPGP (issue 9): the public key of an exact alias, as the transferable public key in binary
  // (RFC 4880 §11.1), checked by the caller (delivery/pgp/public_key.h) before it is set. A public
  // key is not a secret: the directory keeps it with the rest of the metadata. Mail to the alias
  // is then encrypted to it, and WKD serves it. None: the alias has no key.
  struct PgpKey {
    std::string fingerprint;  // upper-case hex of the primary key
    std::vector<uint8_t> key;
    std::string updated_at;  // ISO 8601 UTC
  };
  virtual Result<std::optional<PgpKey>> alias_pgp_key(int64_t alias_id) = 0;
  // Replaces the key (none removes it); not_found when the alias does not exist.
  virtual Status set_alias_pgp_key(int64_t alias_id, std::optional<PgpKey> key) = 0;

  // Where mail to `address` goes: the exact alias, else the first regex alias of the domain (in
  // creation order) whose pattern matches the whole local part, else the domain's catch-all.
  // None when nothing matches, the domain is not hosted, or the address is malformed.
  virtual Result<std::optional<Alias>> resolve(std::string_view address) = 0;

  // The limits that apply to the alias's mailbox (read afresh; the alias must still exist).
  virtual Result<QuotaLimits> quota_for(const Alias& alias) = 0;
  // The mailbox ids (aliases with a mailbox) whose usage counts against a domain's limit, and
  // against an account's (every mailbox of every domain it owns). Ordered by alias id.
  virtual Result<std::vector<std::string>> domain_mailboxes(int64_t domain_id) = 0;
  virtual Result<std::vector<std::string>> account_mailboxes(int64_t account_id) = 0;

  // Checks a login: exact aliases with a password only. Every failure, whatever its cause (no such
  // alias, catch-all, no password, wrong password), is Errc::wrong_password "invalid credentials"
  // after the same Argon2id work, so neither the message nor the timing tells whether the address
  // exists. Storage failures are returned as they are. Rate limiting is the caller's
  // (rate_limiter.h: LoginThrottle).
  Result<Alias> verify_login(std::string_view address, const crypto::SecretBuffer& password);
  // The same for an account name and its own password (set_account_password_hash): every failure
  // is the same "invalid credentials" after the same work.
  Result<Account> verify_account_login(std::string_view name, const crypto::SecretBuffer& password);
};

// Opens (creating it, mode 0600, when missing) the embedded SQLite directory at `file`. The parent
// folder must exist. A file that is not a sealmail directory, or one written by a newer version,
// is refused with schema_mismatch.
Result<std::unique_ptr<Directory>> open_sqlite_directory(const std::filesystem::path& file,
                                                         DirectoryOptions options = {});

// A mailbox id: 24 lowercase hex characters (96 random bits).
bool is_mailbox_id(std::string_view id);
std::string new_mailbox_id();
// <data_dir>/mailboxes/<mailbox_id>.sqlite. Throws std::invalid_argument when `mailbox_id` is not
// a mailbox id (ids come from the directory; anything else is a bug, and must never become a path).
std::filesystem::path mailbox_path(const std::filesystem::path& data_dir, std::string_view mailbox_id);

}  // namespace sealmail::directory

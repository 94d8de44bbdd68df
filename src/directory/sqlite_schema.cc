#include "directory/sqlite_schema.h"

#include <string>

namespace sealmail::directory {

namespace {

// STRICT tables: a value of the wrong type is an error, not a silent conversion.
// Quotas: NULL is "no limit" (accounts use 0, as the account quota is always present).
// Aliases: kind 0 exact, 1 catch-all, 2 regex; local_key is the lowercased local part, "*", or the
// pattern as written, so UNIQUE(domain_id, kind, local_key) also allows one catch-all per domain.
// alias_creations counts creations per domain for the per-day limit, and outlives deleted aliases.
constexpr const char* kSchema = R"sql(
CREATE TABLE accounts(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  quota_bytes INTEGER NOT NULL DEFAULT 0 CHECK (quota_bytes >= 0),
  created_at TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE TABLE domains(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  quota_bytes INTEGER CHECK (quota_bytes IS NULL OR quota_bytes > 0),
  dkim_selector TEXT NOT NULL DEFAULT '',
  retention_days INTEGER NOT NULL DEFAULT 30 CHECK (retention_days > 0),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX domains_account ON domains(account_id);
CREATE TABLE aliases(
  id INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  kind INTEGER NOT NULL CHECK (kind IN (0, 1, 2)),
  local_key TEXT NOT NULL,
  address TEXT NOT NULL,
  has_mailbox INTEGER NOT NULL DEFAULT 0 CHECK (has_mailbox IN (0, 1)),
  mailbox_id TEXT NOT NULL UNIQUE,
  quota_bytes INTEGER CHECK (quota_bytes IS NULL OR quota_bytes > 0),
  password_hash TEXT NOT NULL DEFAULT '',
  box_public_key BLOB NOT NULL DEFAULT x'' CHECK (length(box_public_key) IN (0, 32)),
  created_at TEXT NOT NULL,
  UNIQUE (domain_id, kind, local_key)
) STRICT;
CREATE TABLE alias_targets(
  alias_id INTEGER NOT NULL REFERENCES aliases(id) ON DELETE CASCADE,
  type INTEGER NOT NULL CHECK (type IN (0, 1)),
  position INTEGER NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (alias_id, type, position)
) STRICT, WITHOUT ROWID;
CREATE TABLE alias_creations(
  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX alias_creations_domain ON alias_creations(domain_id, created_at);
)sql";

// Content protections (issue 9): name = value pairs per domain and per alias; a missing row is
// "inherit". Added to older directories at open (IF NOT EXISTS), like any missing table would be.
constexpr const char* kProtectionTables = R"sql(
CREATE TABLE IF NOT EXISTS domain_protections(
  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (domain_id, name)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alias_protections(
  alias_id INTEGER NOT NULL REFERENCES aliases(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (alias_id, name)
) STRICT, WITHOUT ROWID;
)sql";

// OpenPGP (issue 9): one public key per alias (binary, at most 1 MiB), removed with the alias.
// Added to older directories at open, as the protection tables are.
constexpr const char* kPgpKeyTable = R"sql(
CREATE TABLE IF NOT EXISTS alias_pgp_keys(
  alias_id INTEGER PRIMARY KEY REFERENCES aliases(id) ON DELETE CASCADE,
  fingerprint TEXT NOT NULL,
  key BLOB NOT NULL CHECK (length(key) BETWEEN 1 AND 1048576),
  updated_at TEXT NOT NULL
) STRICT;
)sql";

constexpr const char* kTables[] = {"accounts", "domains", "aliases", "alias_targets", "alias_creations"};

sealmail::Error mismatch(std::string what) { return make_error(Errc::schema_mismatch, std::move(what)); }

}  // namespace

Status prepare_schema(sql::Db& db) {
  // Inside BEGIN IMMEDIATE, so that two processes opening a new file at once create it once.
  return sql::transaction(db, [&]() -> Status {
    int64_t app = db.pragma_int("PRAGMA application_id");
    int64_t version = db.pragma_int("PRAGMA user_version");
    int64_t objects = db.pragma_int("SELECT count(*) FROM sqlite_schema");
    if (app == 0 && version == 0) {
      if (objects != 0) return mismatch("not a sealmail directory: the database already holds other tables");
      db.exec(kSchema);
      db.exec(kProtectionTables);
      db.exec(kPgpKeyTable);
      db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
      db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
      return Status::success();
    }
    if (app != kApplicationId) return mismatch("not a sealmail directory (wrong application id)");
    if (version > kSchemaVersion)
      return mismatch("the directory was written by a newer sealmail (schema version " + std::to_string(version) + ")");
    // Version 2 (issue 10): an account may have a password of its own (the domain owner's login to
    // the account web page), an Argon2id hash like an alias's; empty for none.
    if (version < 2) db.exec("ALTER TABLE accounts ADD COLUMN password_hash TEXT NOT NULL DEFAULT ''");
    for (const char* table : kTables) {
      sql::Query q = db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
      q->bind(1, std::string_view(table));
      if (!q->step()) return mismatch(std::string("directory schema is missing table ") + table);
    }
    db.exec(kProtectionTables);
    db.exec(kPgpKeyTable);
    if (version < kSchemaVersion) db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    return Status::success();
  });
}

}  // namespace sealmail::directory

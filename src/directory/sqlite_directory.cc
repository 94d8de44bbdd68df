// The embedded directory: one SQLite file (unencrypted: it holds metadata, never mail; the
// password hashes in it are Argon2id) shared by the server and the CLI.
//
// Rules kept here:
// - Nothing read is cached between calls, and every statement is reset after use (sql::Query), so
//   each call sees what other processes committed before it began.
// - Every write is one BEGIN IMMEDIATE transaction; reads that span statements use one snapshot.
// - Validation happens before the database is touched; messages never carry addresses or secrets.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "core/time.h"
#include "crypto/password_hash.h"
#include "directory/address.h"
#include "directory/connection_pool.h"
#include "directory/directory.h"
#include "directory/sqlite_schema.h"

namespace sealmail::directory {

namespace {

constexpr size_t kMaxTargets = 100;
constexpr size_t kMaxPgpKeyBytes = size_t{1} << 20;
constexpr int kMaxRetentionDays = 36500;
constexpr int64_t kDaySeconds = int64_t{24} * 60 * 60;
constexpr int kForward = 0, kWebhook = 1;

Error invalid(std::string what) { return make_error(Errc::invalid_argument, std::move(what)); }
Error not_found(std::string what) { return make_error(Errc::not_found, std::move(what)); }

// SQLite integers are signed.
Status check_quota(uint64_t bytes) {
  if (bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return invalid("quota too large");
  return Status::success();
}
// 0 and none both mean "no limit" for domains and aliases.
std::optional<uint64_t> optional_quota(std::optional<uint64_t> q) { return q && *q > 0 ? q : std::nullopt; }
void bind_optional_quota(sql::Stmt& s, int i, std::optional<uint64_t> q) {
  if (q) {
    s.bind(i, static_cast<int64_t>(*q));
  } else {
    s.bind_null(i);
  }
}
std::optional<uint64_t> column_optional_quota(sql::Stmt& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return static_cast<uint64_t>(s.int64(col));
}

// Validates and de-duplicates (case-insensitively, first spelling kept) forward targets and
// webhook URLs.
Status clean_targets(const std::vector<std::string>& forwards, const std::vector<std::string>& webhooks,
                     std::vector<std::string>& out_forwards, std::vector<std::string>& out_webhooks) {
  if (forwards.size() > kMaxTargets || webhooks.size() > kMaxTargets)
    return invalid("too many forward targets or webhooks (at most 100 each)");
  std::set<std::string> seen;
  for (const auto& f : forwards) {
    auto n = normalize_address(f);
    if (!n) return invalid("invalid forward target: " + n.error().message);
    if (seen.insert(*n).second) out_forwards.push_back(f);
  }
  seen.clear();
  for (const auto& w : webhooks) {
    SEALMAIL_TRY(validate_webhook_url(w));
    if (seen.insert(w).second) out_webhooks.push_back(w);
  }
  return Status::success();
}

Error no_destination() { return invalid("an alias needs a mailbox, a forward target or a webhook"); }

// The one place SQLite failures become the directory's errors (one clear line, no values from the
// query); with_db and open_sqlite_directory catch sql::Error and call it.
Error to_error(const sql::Error& e) {
  switch (e.code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error(Errc::busy, "directory is busy: " + e.message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return make_error(Errc::corrupt, "directory database is damaged: " + e.message);
    case SQLITE_FULL:
      return make_error(Errc::io, "disk full");
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return make_error(Errc::io, "directory file: " + e.message);
    case SQLITE_CONSTRAINT:
      if (e.code == SQLITE_CONSTRAINT_UNIQUE || e.code == SQLITE_CONSTRAINT_PRIMARYKEY)
        return make_error(Errc::already_exists, "already exists");
      return make_error(Errc::invalid_argument, "directory constraint failed: " + e.message);
    default:
      return make_error(Errc::internal, "directory database error: " + e.message);
  }
}

#define ACCOUNT_COLUMNS "SELECT id, name, quota_bytes, created_at FROM accounts "
Account read_account(sql::Stmt& s) {
  return Account{s.int64(0), std::string(s.text(1)), static_cast<uint64_t>(s.int64(2)), std::string(s.text(3))};
}

#define DOMAIN_COLUMNS \
  "SELECT id, name, account_id, quota_bytes, dkim_selector, retention_days, created_at FROM domains "
Domain read_domain(sql::Stmt& s) {
  return Domain{s.int64(0),
                std::string(s.text(1)),
                s.int64(2),
                column_optional_quota(s, 3),
                std::string(s.text(4)),
                static_cast<int>(s.int64(5)),
                std::string(s.text(6))};
}

#define ALIAS_COLUMNS                                                                                              \
  "SELECT a.id, a.address, a.kind, a.local_key, a.domain_id, d.name, a.has_mailbox, a.mailbox_id, a.quota_bytes, " \
  "a.password_hash, a.box_public_key, a.created_at FROM aliases a JOIN domains d ON d.id = a.domain_id "
Alias read_alias(sql::Stmt& s) {
  Alias a;
  a.id = s.int64(0);
  a.address = s.text(1);
  a.kind = static_cast<AliasKind>(s.int64(2));
  a.local_part = s.text(3);
  a.domain_id = s.int64(4);
  a.domain = s.text(5);
  a.has_mailbox = s.int64(6) != 0;
  a.mailbox_id = s.text(7);
  a.quota_bytes = column_optional_quota(s, 8);
  a.password_hash = s.text(9);
  auto key = s.blob(10);
  a.box_public_key.assign(key.begin(), key.end());
  a.created_at = s.text(11);
  return a;
}

void add_target(Alias& a, int type, std::string value) {
  (type == kForward ? a.forwards : a.webhooks).push_back(std::move(value));
}

std::optional<Alias> load_alias(sql::Db& db, int64_t id) {
  std::optional<Alias> a;
  {
    sql::Query q = db.query(ALIAS_COLUMNS "WHERE a.id = ?");
    q->bind(1, id);
    if (!q->step()) return std::nullopt;
    a = read_alias(*q);
  }
  sql::Query t = db.query("SELECT type, value FROM alias_targets WHERE alias_id = ? ORDER BY type, position");
  t->bind(1, id);
  while (t->step()) add_target(*a, static_cast<int>(t->int64(0)), std::string(t->text(1)));
  return a;
}

// Aliases of one domain (domain_id > 0) or of all, with their targets, in one snapshot (the caller
// holds a read or write transaction).
std::vector<Alias> load_aliases(sql::Db& db, int64_t domain_id) {
  std::vector<Alias> out;
  std::map<int64_t, size_t> index;
  {
    sql::Query q = domain_id > 0 ? db.query(ALIAS_COLUMNS "WHERE a.domain_id = ? ORDER BY d.name, a.kind, a.local_key")
                                 : db.query(ALIAS_COLUMNS "ORDER BY d.name, a.kind, a.local_key");
    if (domain_id > 0) q->bind(1, domain_id);
    while (q->step()) {
      out.push_back(read_alias(*q));
      index[out.back().id] = out.size() - 1;
    }
  }
  sql::Query t = domain_id > 0
                     ? db.query(
                           "SELECT t.alias_id, t.type, t.value FROM alias_targets t JOIN aliases a ON "
                           "a.id = t.alias_id WHERE a.domain_id = ? ORDER BY t.alias_id, t.type, t.position")
                     : db.query("SELECT alias_id, type, value FROM alias_targets ORDER BY alias_id, type, position");
  if (domain_id > 0) t->bind(1, domain_id);
  while (t->step()) {
    auto it = index.find(t->int64(0));
    if (it != index.end()) add_target(out[it->second], static_cast<int>(t->int64(1)), std::string(t->text(2)));
  }
  return out;
}

std::optional<int64_t> domain_id_by_name(sql::Db& db, std::string_view normalized) {
  sql::Query q = db.query("SELECT id FROM domains WHERE name = ?");
  q->bind(1, normalized);
  if (!q->step()) return std::nullopt;
  return q->int64(0);
}

std::optional<int64_t> alias_id_by_key(sql::Db& db, int64_t domain_id, AliasKind kind, std::string_view key) {
  sql::Query q = db.query("SELECT id FROM aliases WHERE domain_id = ? AND kind = ? AND local_key = ?");
  q->bind(1, domain_id).bind(2, static_cast<int64_t>(kind)).bind(3, key);
  if (!q->step()) return std::nullopt;
  return q->int64(0);
}

bool alias_exists(sql::Db& db, int64_t id) {
  sql::Query q = db.query("SELECT 1 FROM aliases WHERE id = ?");
  q->bind(1, id);
  return q->step();
}

void write_targets(sql::Db& db, int64_t alias_id, const std::vector<std::string>& forwards,
                   const std::vector<std::string>& webhooks) {
  {
    sql::Query d = db.query("DELETE FROM alias_targets WHERE alias_id = ?");
    d->bind(1, alias_id);
    d->run();
  }
  for (int type : {kForward, kWebhook}) {
    const auto& list = type == kForward ? forwards : webhooks;
    for (size_t i = 0; i < list.size(); ++i) {
      sql::Query q = db.query("INSERT INTO alias_targets(alias_id, type, position, value) VALUES (?, ?, ?, ?)");
      q->bind(1, alias_id).bind(2, static_cast<int64_t>(type)).bind(3, static_cast<int64_t>(i)).bind(4, list[i]);
      q->run();
    }
  }
}

class SqliteDirectory final : public Directory {
 public:
  SqliteDirectory(std::filesystem::path file, DirectoryOptions options)
      : options_(std::move(options)),
        aliases_per_day_(options_.aliases_per_domain_per_day),
        pool_(std::move(file), options_.max_connections,
              [ms = options_.busy_timeout_ms](sql::Db& db) { configure(db, ms); }) {
    if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
  }

  // Pragmas of every connection. synchronous=FULL: a directory change is acknowledged to an admin
  // and rare, so it is worth an fsync; secure_delete: removed password hashes leave no trace.
  static void configure(sql::Db& db, int busy_timeout_ms) {
    db.exec(("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms)).c_str());
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA secure_delete = ON");
    db.exec("PRAGMA trusted_schema = OFF");
  }

  ConnectionPool& pool() { return pool_; }

  // ---- accounts ----

  Result<Account> add_account(std::string_view name, uint64_t quota_bytes) override {
    SEALMAIL_TRY(validate_account_name(name));
    SEALMAIL_TRY(check_quota(quota_bytes));
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Result<Account> {
        {
          sql::Query q = db.query("SELECT 1 FROM accounts WHERE name = ?");
          q->bind(1, name);
          if (q->step()) return make_error(Errc::already_exists, "account already exists");
        }
        sql::Query q = db.query("INSERT INTO accounts(name, quota_bytes, created_at) VALUES (?, ?, ?)");
        q->bind(1, name).bind(2, static_cast<int64_t>(quota_bytes)).bind(3, now_iso());
        q->run();
        return account_by_id(db, db.last_insert_rowid());
      });
    });
  }

  Result<std::vector<Account>> list_accounts() override {
    return with_db([&](sql::Db& db) -> Result<std::vector<Account>> {
      std::vector<Account> out;
      sql::Query q = db.query(ACCOUNT_COLUMNS "ORDER BY name");
      while (q->step()) out.push_back(read_account(*q));
      return out;
    });
  }

  Result<Account> get_account(int64_t id) override {
    return with_db([&](sql::Db& db) { return account_by_id(db, id); });
  }

  Result<Account> find_account(std::string_view name) override {
    return with_db([&](sql::Db& db) -> Result<Account> {
      sql::Query q = db.query(ACCOUNT_COLUMNS "WHERE name = ?");
      q->bind(1, name);
      if (!q->step()) return not_found("no such account");
      return read_account(*q);
    });
  }

  Status set_account_quota(int64_t id, uint64_t quota_bytes) override {
    SEALMAIL_TRY(check_quota(quota_bytes));
    return update_one("UPDATE accounts SET quota_bytes = ? WHERE id = ?", "no such account",
                      [&](sql::Stmt& s) { s.bind(1, static_cast<int64_t>(quota_bytes)).bind(2, id); });
  }

  Status set_account_password_hash(int64_t id, std::string_view hash) override {
    if (!hash.empty() && !crypto::is_password_hash(hash)) return invalid("not an Argon2id password hash");
    return update_one("UPDATE accounts SET password_hash = ? WHERE id = ?", "no such account",
                      [&](sql::Stmt& s) { s.bind(1, hash).bind(2, id); });
  }

  Result<std::string> account_password_hash(int64_t id) override {
    return with_db([&](sql::Db& db) -> Result<std::string> {
      sql::Query q = db.query("SELECT password_hash FROM accounts WHERE id = ?");
      q->bind(1, id);
      if (!q->step()) return not_found("no such account");
      return std::string(q->text(0));
    });
  }

  Status remove_account(int64_t id) override {
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Status {
        {
          sql::Query q = db.query(
              "SELECT (SELECT count(*) FROM domains WHERE account_id = ?1), "
              "EXISTS (SELECT 1 FROM accounts WHERE id = ?1)");
          q->bind(1, id);
          q->step();
          if (q->int64(1) == 0) return not_found("no such account");
          if (int64_t n = q->int64(0); n > 0)
            return invalid("the account still owns " + std::to_string(n) + " domain(s); remove them first");
        }
        sql::Query q = db.query("DELETE FROM accounts WHERE id = ?");
        q->bind(1, id);
        q->run();
        return Status::success();
      });
    });
  }

  // ---- domains ----

  Result<Domain> add_domain(const NewDomain& d) override {
    auto name = normalize_domain(d.name);
    if (!name) return name.error();
    SEALMAIL_TRY(validate_dkim_selector(d.dkim_selector));
    SEALMAIL_TRY(check_retention(d.retention_days));
    if (d.quota_bytes) SEALMAIL_TRY(check_quota(*d.quota_bytes));
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Result<Domain> {
        {
          sql::Query q = db.query("SELECT 1 FROM accounts WHERE id = ?");
          q->bind(1, d.account_id);
          if (!q->step()) return not_found("no such account");
        }
        if (domain_id_by_name(db, *name)) return make_error(Errc::already_exists, "domain already exists");
        sql::Query q = db.query(
            "INSERT INTO domains(name, account_id, quota_bytes, dkim_selector, retention_days, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)");
        q->bind(1, *name).bind(2, d.account_id);
        bind_optional_quota(*q, 3, optional_quota(d.quota_bytes));
        q->bind(4, d.dkim_selector).bind(5, static_cast<int64_t>(d.retention_days)).bind(6, now_iso());
        q->run();
        return domain_by_id(db, db.last_insert_rowid());
      });
    });
  }

  Result<std::vector<Domain>> list_domains() override {
    return with_db([&](sql::Db& db) -> Result<std::vector<Domain>> {
      std::vector<Domain> out;
      sql::Query q = db.query(DOMAIN_COLUMNS "ORDER BY name");
      while (q->step()) out.push_back(read_domain(*q));
      return out;
    });
  }

  Result<Domain> get_domain(int64_t id) override {
    return with_db([&](sql::Db& db) { return domain_by_id(db, id); });
  }

  Result<Domain> find_domain(std::string_view name) override {
    auto n = normalize_domain(name);
    if (!n) return n.error();
    return with_db([&](sql::Db& db) -> Result<Domain> {
      sql::Query q = db.query(DOMAIN_COLUMNS "WHERE name = ?");
      q->bind(1, *n);
      if (!q->step()) return not_found("no such domain");
      return read_domain(*q);
    });
  }

  Result<bool> hosts_domain(std::string_view name) override {
    auto n = normalize_domain(name);
    if (!n) return false;
    return with_db([&](sql::Db& db) -> Result<bool> { return domain_id_by_name(db, *n).has_value(); });
  }

  Status set_domain_quota(int64_t id, std::optional<uint64_t> quota_bytes) override {
    if (quota_bytes) SEALMAIL_TRY(check_quota(*quota_bytes));
    return update_one("UPDATE domains SET quota_bytes = ? WHERE id = ?", "no such domain",
                      [&](sql::Stmt& s) { bind_optional_quota(s.bind(2, id), 1, optional_quota(quota_bytes)); });
  }

  Status set_dkim_selector(int64_t id, std::string_view selector) override {
    SEALMAIL_TRY(validate_dkim_selector(selector));
    return update_one("UPDATE domains SET dkim_selector = ? WHERE id = ?", "no such domain",
                      [&](sql::Stmt& s) { s.bind(1, selector).bind(2, id); });
  }

  Status set_retention_days(int64_t id, int days) override {
    SEALMAIL_TRY(check_retention(days));
    return update_one("UPDATE domains SET retention_days = ? WHERE id = ?", "no such domain",
                      [&](sql::Stmt& s) { s.bind(1, static_cast<int64_t>(days)).bind(2, id); });
  }

  Result<std::vector<Alias>> remove_domain(int64_t id, bool cascade) override {
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Result<std::vector<Alias>> {
        {
          sql::Query q = db.query("SELECT 1 FROM domains WHERE id = ?");
          q->bind(1, id);
          if (!q->step()) return not_found("no such domain");
        }
        std::vector<Alias> removed = load_aliases(db, id);
        if (!removed.empty() && !cascade)
          return invalid("the domain still has " + std::to_string(removed.size()) +
                         " alias(es); remove them first or remove the domain with its aliases");
        // ON DELETE CASCADE takes the aliases, their targets and the creation log with it.
        sql::Query q = db.query("DELETE FROM domains WHERE id = ?");
        q->bind(1, id);
        q->run();
        return removed;
      });
    });
  }

  // ---- aliases ----

  void set_aliases_per_domain_per_day(size_t limit) override { aliases_per_day_ = limit; }

  Result<Alias> add_alias(const NewAlias& a) override {
    auto pattern = parse_alias_address(a.address);
    if (!pattern) return pattern.error();
    std::vector<std::string> forwards, webhooks;
    SEALMAIL_TRY(clean_targets(a.forwards, a.webhooks, forwards, webhooks));
    if (!a.mailbox && forwards.empty() && webhooks.empty()) return no_destination();
    if (a.quota_bytes) SEALMAIL_TRY(check_quota(*a.quota_bytes));
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Result<Alias> {
        auto domain_id = domain_id_by_name(db, pattern->domain);
        if (!domain_id) return not_found("the alias's domain is not hosted here");
        if (alias_id_by_key(db, *domain_id, pattern->kind, pattern->local_key))
          return make_error(Errc::already_exists, "alias already exists");
        std::string now = now_iso();
        if (size_t limit = aliases_per_day_.load(); limit > 0) {
          std::string cutoff = iso8601_utc(now_seconds() - kDaySeconds);
          {
            sql::Query q = db.query("DELETE FROM alias_creations WHERE domain_id = ? AND created_at <= ?");
            q->bind(1, *domain_id).bind(2, cutoff);
            q->run();
          }
          sql::Query q = db.query("SELECT count(*) FROM alias_creations WHERE domain_id = ?");
          q->bind(1, *domain_id);
          q->step();
          if (static_cast<size_t>(q->int64(0)) >= limit)
            return make_error(Errc::quota_exceeded,
                              "too many aliases created for this domain in the last 24 hours "
                              "(limit " +
                                  std::to_string(limit) + "); try again later");
        }
        {
          sql::Query q = db.query(
              "INSERT INTO aliases(domain_id, kind, local_key, address, has_mailbox, mailbox_id, quota_bytes, "
              "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
          q->bind(1, *domain_id).bind(2, static_cast<int64_t>(pattern->kind)).bind(3, pattern->local_key);
          q->bind(4, a.address).bind(5, static_cast<int64_t>(a.mailbox ? 1 : 0)).bind(6, new_mailbox_id());
          bind_optional_quota(*q, 7, optional_quota(a.quota_bytes));
          q->bind(8, now);
          q->run();
        }
        int64_t id = db.last_insert_rowid();
        write_targets(db, id, forwards, webhooks);
        {
          sql::Query q = db.query("INSERT INTO alias_creations(domain_id, created_at) VALUES (?, ?)");
          q->bind(1, *domain_id).bind(2, now);
          q->run();
        }
        return alias_by_id(db, id);
      });
    });
  }

  Result<std::vector<Alias>> list_aliases() override { return list_of(0); }
  Result<std::vector<Alias>> list_aliases(int64_t domain_id) override {
    if (domain_id <= 0) return not_found("no such domain");
    return list_of(domain_id);
  }

  Result<Alias> get_alias(int64_t id) override {
    return with_db(
        [&](sql::Db& db) { return sql::transaction_read(db, [&]() -> Result<Alias> { return alias_by_id(db, id); }); });
  }

  Result<Alias> find_alias(std::string_view address) override {
    auto pattern = parse_alias_address(address);
    if (!pattern) return pattern.error();
    return with_db([&](sql::Db& db) {
      return sql::transaction_read(db, [&]() -> Result<Alias> {
        auto domain_id = domain_id_by_name(db, pattern->domain);
        auto id = domain_id ? alias_id_by_key(db, *domain_id, pattern->kind, pattern->local_key) : std::nullopt;
        if (!id) return not_found("no such alias");
        return alias_by_id(db, *id);
      });
    });
  }

  Result<Alias> remove_alias(int64_t id) override {
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Result<Alias> {
        auto a = alias_by_id(db, id);
        if (!a) return a;
        sql::Query q = db.query("DELETE FROM aliases WHERE id = ?");
        q->bind(1, id);
        q->run();
        return a;
      });
    });
  }

  Status set_targets(int64_t id, const std::vector<std::string>& forwards,
                     const std::vector<std::string>& webhooks) override {
    std::vector<std::string> f, w;
    SEALMAIL_TRY(clean_targets(forwards, webhooks, f, w));
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Status {
        sql::Query q = db.query("SELECT has_mailbox FROM aliases WHERE id = ?");
        q->bind(1, id);
        if (!q->step()) return not_found("no such alias");
        if (q->int64(0) == 0 && f.empty() && w.empty()) return no_destination();
        write_targets(db, id, f, w);
        return Status::success();
      });
    });
  }

  Status set_has_mailbox(int64_t id, bool has_mailbox) override {
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Status {
        if (!alias_exists(db, id)) return not_found("no such alias");
        if (!has_mailbox) {
          sql::Query q = db.query("SELECT count(*) FROM alias_targets WHERE alias_id = ?");
          q->bind(1, id);
          q->step();
          if (q->int64(0) == 0) return no_destination();
        }
        sql::Query q = db.query("UPDATE aliases SET has_mailbox = ? WHERE id = ?");
        q->bind(1, static_cast<int64_t>(has_mailbox ? 1 : 0)).bind(2, id);
        q->run();
        return Status::success();
      });
    });
  }

  Status set_alias_quota(int64_t id, std::optional<uint64_t> quota_bytes) override {
    if (quota_bytes) SEALMAIL_TRY(check_quota(*quota_bytes));
    return update_one("UPDATE aliases SET quota_bytes = ? WHERE id = ?", "no such alias",
                      [&](sql::Stmt& s) { bind_optional_quota(s.bind(2, id), 1, optional_quota(quota_bytes)); });
  }

  Status set_password_hash(int64_t id, std::string_view hash) override {
    if (!hash.empty() && !crypto::is_password_hash(hash)) return invalid("not an Argon2id password hash");
    return update_one("UPDATE aliases SET password_hash = ? WHERE id = ?", "no such alias",
                      [&](sql::Stmt& s) { s.bind(1, hash).bind(2, id); });
  }

  Status set_box_public_key(int64_t id, std::span<const uint8_t> key) override {
    if (!key.empty() && key.size() != 32) return invalid("a box public key is 32 bytes (X25519)");
    return update_one("UPDATE aliases SET box_public_key = ? WHERE id = ?", "no such alias",
                      [&](sql::Stmt& s) { s.bind_blob(1, key).bind(2, id); });
  }

  Result<std::optional<Alias>> resolve(std::string_view address) override {
    auto parsed = parse_address(address);
    if (!parsed) return std::optional<Alias>();
    std::string local = ascii_lower(parsed->local);
    return with_db([&](sql::Db& db) {
      return sql::transaction_read(db, [&]() -> Result<std::optional<Alias>> {
        auto domain_id = domain_id_by_name(db, parsed->domain);
        if (!domain_id) return std::optional<Alias>();
        auto id = alias_id_by_key(db, *domain_id, AliasKind::exact, local);
        if (!id) {
          sql::Query q = db.query("SELECT id, local_key FROM aliases WHERE domain_id = ? AND kind = ? ORDER BY id");
          q->bind(1, *domain_id).bind(2, static_cast<int64_t>(AliasKind::regex));
          while (!id && q->step())
            if (regex_matches(q->text(1), local)) id = q->int64(0);
        }
        if (!id) id = alias_id_by_key(db, *domain_id, AliasKind::catch_all, "*");
        if (!id) return std::optional<Alias>();
        return load_alias(db, *id);
      });
    });
  }

  Result<QuotaLimits> quota_for(const Alias& alias) override {
    return with_db([&](sql::Db& db) -> Result<QuotaLimits> {
      sql::Query q = db.query(
          "SELECT a.quota_bytes, d.quota_bytes, c.quota_bytes, d.id, c.id FROM aliases a "
          "JOIN domains d ON d.id = a.domain_id JOIN accounts c ON c.id = d.account_id WHERE a.id = ?");
      q->bind(1, alias.id);
      if (!q->step()) return not_found("no such alias");
      QuotaLimits l;
      l.alias = column_optional_quota(*q, 0);
      l.domain = column_optional_quota(*q, 1);
      if (int64_t account = q->int64(2); account > 0) l.account = static_cast<uint64_t>(account);
      l.domain_id = q->int64(3);
      l.account_id = q->int64(4);
      return l;
    });
  }

  Result<std::vector<std::string>> domain_mailboxes(int64_t domain_id) override {
    return mailbox_ids("SELECT mailbox_id FROM aliases WHERE domain_id = ? AND has_mailbox = 1 ORDER BY id", domain_id);
  }

  Result<std::vector<std::string>> account_mailboxes(int64_t account_id) override {
    return mailbox_ids(
        "SELECT a.mailbox_id FROM aliases a JOIN domains d ON d.id = a.domain_id "
        "WHERE d.account_id = ? AND a.has_mailbox = 1 ORDER BY a.id",
        account_id);
  }

  Result<ProtectionSettings> domain_protections(int64_t domain_id) override {
    return protections("SELECT name, value FROM domain_protections WHERE domain_id = ?", domain_id);
  }
  Result<ProtectionSettings> alias_protections(int64_t alias_id) override {
    return protections("SELECT name, value FROM alias_protections WHERE alias_id = ?", alias_id);
  }
  Status set_domain_protection(int64_t domain_id, std::string_view name, std::optional<std::string> value) override {
    // The statement cache is keyed by the SQL's address: literals only.
    static constexpr ProtectionSql kSql{"SELECT 1 FROM domains WHERE id = ?",
                                        "INSERT INTO domain_protections(domain_id, name, value) VALUES (?, ?, ?) "
                                        "ON CONFLICT DO UPDATE SET value = excluded.value",
                                        "DELETE FROM domain_protections WHERE domain_id = ? AND name = ?",
                                        "no such domain"};
    return set_protection(kSql, domain_id, name, value);
  }
  Status set_alias_protection(int64_t alias_id, std::string_view name, std::optional<std::string> value) override {
    static constexpr ProtectionSql kSql{"SELECT 1 FROM aliases WHERE id = ?",
                                        "INSERT INTO alias_protections(alias_id, name, value) VALUES (?, ?, ?) "
                                        "ON CONFLICT DO UPDATE SET value = excluded.value",
                                        "DELETE FROM alias_protections WHERE alias_id = ? AND name = ?",
                                        "no such alias"};
    return set_protection(kSql, alias_id, name, value);
  }

  Result<std::optional<PgpKey>> alias_pgp_key(int64_t alias_id) override {
    return with_db([&](sql::Db& db) -> Result<std::optional<PgpKey>> {
      sql::Query q = db.query("SELECT fingerprint, key, updated_at FROM alias_pgp_keys WHERE alias_id = ?");
      q->bind(1, alias_id);
      if (!q->step()) return std::optional<PgpKey>();
      auto blob = q->blob(1);
      return std::optional<PgpKey>(
          PgpKey{std::string(q->text(0)), {blob.begin(), blob.end()}, std::string(q->text(2))});
    });
  }
  Status set_alias_pgp_key(int64_t alias_id, std::optional<PgpKey> key) override {
    if (key && (key->key.empty() || key->key.size() > kMaxPgpKeyBytes))
      return invalid("an OpenPGP key must be between 1 byte and 1 MiB");
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Status {
        {
          sql::Query q = db.query("SELECT 1 FROM aliases WHERE id = ?");
          q->bind(1, alias_id);
          if (!q->step()) return not_found("no such alias");
        }
        if (!key) {
          sql::Query q = db.query("DELETE FROM alias_pgp_keys WHERE alias_id = ?");
          q->bind(1, alias_id);
          q->run();
          return Status::success();
        }
        sql::Query q = db.query(
            "INSERT INTO alias_pgp_keys(alias_id, fingerprint, key, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET fingerprint = excluded.fingerprint, key = excluded.key, "
            "updated_at = excluded.updated_at");
        q->bind(1, alias_id).bind(2, std::string_view(key->fingerprint));
        q->bind_blob(3, std::span<const uint8_t>(key->key)).bind(4, now_iso());
        q->run();
        return Status::success();
      });
    });
  }

 private:
  struct ProtectionSql {
    const char* exists;
    const char* upsert;
    const char* remove;
    const char* missing;
  };

  Result<ProtectionSettings> protections(const char* sql, int64_t id) {
    return with_db([&](sql::Db& db) -> Result<ProtectionSettings> {
      ProtectionSettings out;
      sql::Query q = db.query(sql);
      q->bind(1, id);
      while (q->step()) out.emplace(std::string(q->text(0)), std::string(q->text(1)));
      return out;
    });
  }

  Status set_protection(const ProtectionSql& stmts, int64_t id, std::string_view name,
                        const std::optional<std::string>& value) {
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Status {
        {
          sql::Query q = db.query(stmts.exists);
          q->bind(1, id);
          if (!q->step()) return not_found(stmts.missing);
        }
        sql::Query q = db.query(value ? stmts.upsert : stmts.remove);
        q->bind(1, id);
        q->bind(2, name);
        if (value) q->bind(3, std::string_view(*value));
        q->run();
        return Status::success();
      });
    });
  }

  Result<std::vector<std::string>> mailbox_ids(const char* sql, int64_t id) {
    return with_db([&](sql::Db& db) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      sql::Query q = db.query(sql);
      q->bind(1, id);
      while (q->step()) out.emplace_back(q->text(0));
      return out;
    });
  }

  // Runs `fn` on a pooled connection; SQLite failures become the directory's errors.
  template <typename F>
  auto with_db(F&& fn) -> decltype(fn(std::declval<sql::Db&>())) {
    try {
      auto lease = pool_.acquire();
      return fn(lease.db());
    } catch (const sql::Error& e) {
      return to_error(e);
    }
  }

  // One UPDATE of one row by id, in its own transaction; not_found when no row has the id.
  template <typename Bind>
  Status update_one(const char* sql, const char* missing, Bind&& bind) {
    return with_db([&](sql::Db& db) {
      return sql::transaction(db, [&]() -> Status {
        sql::Query q = db.query(sql);
        bind(*q);
        q->run();
        if (db.changes() == 0) return not_found(missing);
        return Status::success();
      });
    });
  }

  Result<std::vector<Alias>> list_of(int64_t domain_id) {
    return with_db([&](sql::Db& db) {
      return sql::transaction_read(db, [&]() -> Result<std::vector<Alias>> { return load_aliases(db, domain_id); });
    });
  }

  static Result<Account> account_by_id(sql::Db& db, int64_t id) {
    sql::Query q = db.query(ACCOUNT_COLUMNS "WHERE id = ?");
    q->bind(1, id);
    if (!q->step()) return not_found("no such account");
    return read_account(*q);
  }
  static Result<Domain> domain_by_id(sql::Db& db, int64_t id) {
    sql::Query q = db.query(DOMAIN_COLUMNS "WHERE id = ?");
    q->bind(1, id);
    if (!q->step()) return not_found("no such domain");
    return read_domain(*q);
  }
  static Result<Alias> alias_by_id(sql::Db& db, int64_t id) {
    auto a = load_alias(db, id);
    if (!a) return not_found("no such alias");
    return std::move(*a);
  }
  static Status check_retention(int days) {
    if (days < 1 || days > kMaxRetentionDays) return invalid("retention must be between 1 and 36500 days");
    return Status::success();
  }

  int64_t now_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(options_.clock().time_since_epoch()).count();
  }
  std::string now_iso() const { return iso8601_utc(now_seconds()); }

  DirectoryOptions options_;
  std::atomic<size_t> aliases_per_day_;  // options_'s, replaced on SIGHUP
  ConnectionPool pool_;
};

// Creates the file with mode 0600 before SQLite sees it, whatever the umask; SQLite gives its
// -wal and -shm files the mode of the database file.
Status create_private_file(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::success();
    return make_error(Errc::io, "cannot create the directory file: " + std::string(std::strerror(errno)));
  }
  ::fchmod(fd, 0600);
  ::close(fd);
  return Status::success();
}

}  // namespace

Result<std::unique_ptr<Directory>> open_sqlite_directory(const std::filesystem::path& file, DirectoryOptions options) {
  std::error_code ec;
  auto parent = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(parent, ec))
    return make_error(Errc::not_found, "the folder for the directory file does not exist");
  SEALMAIL_TRY(create_private_file(file));
  try {
    int busy_timeout_ms = options.busy_timeout_ms;
    auto dir = std::make_unique<SqliteDirectory>(file, std::move(options));
    sql::Db db = sql::Db::open(file, false);
    SqliteDirectory::configure(db, busy_timeout_ms);
    // WAL is a property of the file, set once; it cannot change inside a transaction.
    db.exec("PRAGMA journal_mode = WAL");
    SEALMAIL_TRY(prepare_schema(db));
    dir->pool().adopt(std::move(db));
    return std::unique_ptr<Directory>(std::move(dir));
  } catch (const sql::Error& e) {
    return to_error(e);
  }
}

}  // namespace sealmail::directory

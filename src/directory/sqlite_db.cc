#include "directory/sqlite_db.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace sealmail::directory::sql {

namespace {

// SQLite's allocator can be chosen only before sqlite3_initialize(). The store installs one that
// zeroes freed blocks (decrypted mailbox pages must not linger in freed heap), but it does so on
// its first open: if the directory opened first, SQLite would already be initialised with the
// default allocator and the store's sqlite3_config would fail silently. So the directory installs
// an equivalent zeroing allocator itself; whichever layer opens first, freed SQLite memory is
// zeroed. (Both calls happen at start-up, before worker threads use SQLite.)
constexpr size_t kHeader = 16;  // keeps blocks 16-byte aligned

void* zmalloc(int n) {
  if (n <= 0) return nullptr;
  auto* p = static_cast<uint8_t*>(std::malloc(static_cast<size_t>(n) + kHeader));
  if (p == nullptr) return nullptr;
  std::memcpy(p, &n, sizeof n);
  return p + kHeader;
}
int zsize(void* p) {
  if (p == nullptr) return 0;
  int n;
  std::memcpy(&n, static_cast<uint8_t*>(p) - kHeader, sizeof n);
  return n;
}
void zfree(void* p) {
  if (p == nullptr) return;
  uint8_t* base = static_cast<uint8_t*>(p) - kHeader;
  explicit_bzero(base, static_cast<size_t>(zsize(p)) + kHeader);
  std::free(base);
}
void* zrealloc(void* p, int n) {
  if (p == nullptr) return zmalloc(n);
  if (n <= 0) {
    zfree(p);
    return nullptr;
  }
  int old = zsize(p);
  if (n <= old) return p;
  void* q = zmalloc(n);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, static_cast<size_t>(old));
  zfree(p);
  return q;
}
int zroundup(int n) { return (n + 7) & ~7; }
int zinit(void*) { return SQLITE_OK; }
void zshutdown(void*) {}

const sqlite3_mem_methods kZeroingAllocator = {zmalloc, zfree, zrealloc, zsize, zroundup, zinit, zshutdown, nullptr};

[[noreturn]] void throw_rc(sqlite3* db, int rc) {
  throw Error{rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)};
}
void check_bind(sqlite3_stmt* s, int rc) {
  if (rc != SQLITE_OK) throw_rc(sqlite3_db_handle(s), rc);
}

}  // namespace

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Both return SQLITE_MISUSE when the store initialised SQLite first: its allocator stays.
    sqlite3_config(SQLITE_CONFIG_MALLOC, &kZeroingAllocator);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (sqlite3_initialize() != SQLITE_OK) throw std::runtime_error("sqlite3_initialize failed");
  });
}

Stmt::~Stmt() {
  if (s_ != nullptr) sqlite3_finalize(s_);
}
Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_ != nullptr) sqlite3_finalize(s_);
    s_ = std::exchange(o.s_, nullptr);
  }
  return *this;
}

Stmt& Stmt::bind(int i, int64_t v) {
  check_bind(s_, sqlite3_bind_int64(s_, i, v));
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  check_bind(s_, sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::span<const uint8_t> v) {
  check_bind(
      s_, sqlite3_bind_blob64(s_, i, v.empty() ? "" : static_cast<const void*>(v.data()), v.size(), SQLITE_TRANSIENT));
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  check_bind(s_, sqlite3_bind_null(s_, i));
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(s_);
  std::string msg = sqlite3_errmsg(db);
  int ext = sqlite3_extended_errcode(db);
  sqlite3_reset(s_);
  throw Error{ext != 0 ? ext : rc, msg};
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string Stmt::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col)));
}

std::string Stmt::blob(int col) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
  return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col)));
}

Db::~Db() { close(); }
Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    close();
    db_ = std::exchange(o.db_, nullptr);
    cache_ = std::move(o.cache_);
  }
  return *this;
}

void Db::close() {
  cache_.clear();
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

Db Db::open(const std::filesystem::path& file, bool create) {
  init();
  Db d;
  // NOMUTEX: a connection is used by one thread at a time (the directory's pool hands it out).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(file.c_str(), &d.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = d.db_ != nullptr ? sqlite3_errmsg(d.db_) : sqlite3_errstr(rc);
    d.close();
    throw Error{rc, msg};
  }
  sqlite3_extended_result_codes(d.db_, 1);
  return d;
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error{sqlite3_extended_errcode(db_), msg};
  }
}

int64_t Db::pragma_int(const char* sql) {
  Query q = query(sql);
  return q->step() ? q->int64(0) : 0;
}

Stmt& Db::cached(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) throw_rc(db_, rc);
    it = cache_.emplace(sql, Stmt(s)).first;
  } else {
    it->second.reset();
  }
  return it->second;
}

sealmail::Error to_error(const Error& e) {
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

}  // namespace sealmail::directory::sql

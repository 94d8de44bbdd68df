#include "sqlite/sqlite.h"

#include <utility>

namespace sealmail::sql {

namespace {

[[noreturn]] void throw_rc(sqlite3* db, int rc) {
  throw Error{rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)};
}
void check_bind(sqlite3_stmt* s, int rc) {
  if (rc != SQLITE_OK) throw_rc(sqlite3_db_handle(s), rc);
}

}  // namespace

Stmt::~Stmt() {
  if (s_ != nullptr && owned_) sqlite3_finalize(s_);
}
Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_ != nullptr && owned_) sqlite3_finalize(s_);
    s_ = std::exchange(o.s_, nullptr);
    owned_ = o.owned_;
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
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  return bind_blob(i, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
}
Stmt& Stmt::bind_null(int i) {
  check_bind(s_, sqlite3_bind_null(s_, i));
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Read the error before the reset, which may replace the connection's message.
  sqlite3* db = sqlite3_db_handle(s_);
  std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int ext = db != nullptr ? sqlite3_extended_errcode(db) : 0;
  sqlite3_reset(s_);
  throw Error{ext != 0 ? ext : rc, std::move(msg)};
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string_view Stmt::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p == nullptr ? std::string_view() : std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, col)));
}

std::string_view Stmt::blob(int col) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
  return p == nullptr ? std::string_view() : std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, col)));
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
  // NOMUTEX: a connection is used by one thread at a time (the store's mailbox and the directory's
  // pool hand it out). URI: the store names VACUUM INTO targets with file: URIs.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | (create ? SQLITE_OPEN_CREATE : 0);
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
    int ext = sqlite3_extended_errcode(db_);
    throw Error{ext != 0 ? ext : rc, msg};
  }
}

Stmt Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) fail(rc);
  return Stmt(s);
}

Stmt& Db::cached(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) fail(rc);
    it = cache_.emplace(sql, Stmt(s)).first;
  } else {
    it->second.reset();
  }
  return it->second;
}

int64_t Db::pragma_int(const char* sql) {
  Query q = query(sql);
  return q->step() ? q->int64(0) : 0;
}

void Db::fail(int rc) const { throw_rc(db_, rc); }

}  // namespace sealmail::sql

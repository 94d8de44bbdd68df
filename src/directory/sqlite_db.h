// A thin RAII layer over the SQLite C API, internal to src/directory (the same shape as the
// store's, which the directory may not include: DESIGN.md's layer table). Connections, prepared
// statements cached per connection, and SQLite failures thrown as sql::Error, which the directory's
// public calls catch once and turn into a Result.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "core/result.h"

namespace sealmail::directory::sql {

// Installs a zeroing allocator before SQLite initialises (see sqlite_db.cc for why the directory
// must do this too). Idempotent.
void init();

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt();
  Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, std::string_view v);  // TEXT
  Stmt& bind_blob(int i, std::span<const uint8_t> v);
  Stmt& bind_null(int i);

  // SQLITE_ROW -> true, SQLITE_DONE -> false; anything else throws sql::Error.
  bool step();
  void run();
  void reset();

  int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const;
  std::string blob(int col) const;

 private:
  sqlite3_stmt* s_ = nullptr;
};

struct Error {
  int code;  // extended result code
  std::string message;
};

// A cached statement that is reset when the scope ends. In autocommit mode a statement left
// un-reset after returning a row keeps its read snapshot open: the connection would stop seeing
// other processes' commits and block checkpoints. So every use goes through one of these.
class Query {
 public:
  explicit Query(Stmt& s) : s_(s) {}
  ~Query() { s_.reset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Stmt* operator->() { return &s_; }
  Stmt& operator*() { return s_; }

 private:
  Stmt& s_;
};

class Db {
 public:
  Db() = default;
  ~Db();
  Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)), cache_(std::move(o.cache_)) {}
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Opens (or creates) an unencrypted database: the directory holds metadata, never mail.
  static Db open(const std::filesystem::path& file, bool create);
  void close();

  void exec(const char* sql);
  int64_t pragma_int(const char* sql);  // first column of the first row
  // A statement kept for the life of the connection, reset and cleared before it is returned.
  Stmt& cached(const char* sql);
  Query query(const char* sql) { return Query(cached(sql)); }
  int changes() const { return sqlite3_changes(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, Stmt> cache_;
};

// Runs `fn` inside `begin` ... COMMIT; rolls back if it throws or returns a failed Result/Status.
template <typename F>
auto transaction_as(Db& db, const char* begin, F&& fn) {
  db.exec(begin);
  try {
    auto r = fn();
    if (!r.ok()) {
      sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      return r;
    }
    db.exec("COMMIT");
    return r;
  } catch (...) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

// Every write: BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a
// write never fails half way because another process (the CLI, the server) is writing too.
template <typename F>
auto write_transaction(Db& db, F&& fn) {
  return transaction_as(db, "BEGIN IMMEDIATE", std::forward<F>(fn));
}
// One consistent snapshot across several statements.
template <typename F>
auto read_transaction(Db& db, F&& fn) {
  return transaction_as(db, "BEGIN", std::forward<F>(fn));
}

// Maps an sql::Error to the directory's error kinds (one clear line, no values from the query).
sealmail::Error to_error(const Error& e);

}  // namespace sealmail::directory::sql

// A thin RAII layer over the SQLite C API (SQLite3 Multiple Ciphers), shared by the store and the
// directory (DESIGN.md: a low adapter layer, core only). Connections, prepared statements cached
// per connection, and SQLite failures thrown as sql::Error, which each user's public calls catch
// once and turn into a Result with its own to_error (the store's in store/sqlite.h, the
// directory's in sqlite_directory.cc: the same SQLite code means different things to each).
// What is not here on purpose: keys and ciphers (the store selects its cipher on the connections
// this opens), and any schema.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace sealmail::sql {

// Installs SQLite's allocator (zero on free: decrypted pages and key strings never linger in
// freed heap) and global settings, then initialises SQLite. Once per process, before any
// connection opens; Db::open calls it, and so may anyone that uses SQLite before opening.
void init();

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s, bool owned = true) : s_(s), owned_(owned) {}
  ~Stmt();
  Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)), owned_(o.owned_) {}
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, std::string_view v);  // TEXT
  // Exact matches for strings, which would otherwise be ambiguous with the optional overload below.
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return v != nullptr ? bind(i, std::string_view(v)) : bind_null(i); }
  Stmt& bind_blob(int i, std::span<const uint8_t> v);
  Stmt& bind_blob(int i, std::string_view v);
  Stmt& bind_null(int i);
  Stmt& bind(int i, std::nullopt_t) { return bind_null(i); }
  Stmt& bind(int i, const std::optional<std::string>& v) { return v ? bind(i, std::string_view(*v)) : bind_null(i); }

  // SQLITE_ROW -> true, SQLITE_DONE -> false; anything else throws sql::Error.
  bool step();
  // Steps to completion (for statements that return no rows).
  void run();
  void reset();

  int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  // Views into SQLite's row: valid until the next step(), reset() or finalize. Copy what you keep.
  std::string_view text(int col) const;
  std::string_view blob(int col) const;
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool owned_ = true;
};

// Thrown for SQLite failures; never leaves the store or the directory (see the header comment).
struct Error {
  int code;  // extended result code
  std::string message;
};

// A cached statement that is reset when the scope ends. In autocommit mode a statement left
// un-reset after returning a row keeps its read snapshot open: the connection would stop seeing
// other processes' commits and block checkpoints. The directory uses one for every statement.
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

  // Opens (or creates) a database as plain SQLite, with extended result codes. A caller that
  // wants it encrypted keys it next, before its first statement (the store does: store/sqlite.h).
  static Db open(const std::filesystem::path& file, bool create);
  void close();

  void exec(const char* sql);
  Stmt prepare(std::string_view sql);
  // A statement kept for the life of the connection, reset and cleared before it is returned.
  Stmt& cached(const char* sql);
  Query query(const char* sql) { return Query(cached(sql)); }
  int64_t pragma_int(const char* sql);  // first column of the first row, 0 when there is none
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  sqlite3* get() const { return db_; }
  bool is_open() const { return db_ != nullptr; }
  // Throws the connection's current error for `rc`.
  [[noreturn]] void fail(int rc) const;

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, Stmt> cache_;
};

// Runs `fn` inside `begin` ... COMMIT; rolls back if it throws or returns a failed Result/Status.
template <typename F>
auto transaction_as(Db& db, const char* begin, F&& fn) {
  db.exec(begin);
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      db.exec("COMMIT");
    } else {
      auto r = fn();
      // A Result/Status that says "failed" undoes what the function wrote.
      if constexpr (requires { r.ok(); }) {
        if (!r.ok()) {
          sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
          return r;
        }
      }
      db.exec("COMMIT");
      return r;
    }
  } catch (...) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

// A write transaction: BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout),
// so a write never fails half way on SQLITE_BUSY because another connection or process (the CLI,
// the server) is writing too.
template <typename F>
auto transaction(Db& db, F&& fn) {
  return transaction_as(db, "BEGIN IMMEDIATE", std::forward<F>(fn));
}
// A read transaction: one consistent snapshot across several statements.
template <typename F>
auto transaction_read(Db& db, F&& fn) {
  return transaction_as(db, "BEGIN", std::forward<F>(fn));
}

}  // namespace sealmail::sql

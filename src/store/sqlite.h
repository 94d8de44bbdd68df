// A thin RAII layer over the SQLite C API (internal to src/store): connections, prepared
// statements with a per-connection cache, and errors turned into Result values.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "core/result.h"

namespace sealmail::store::sql {

// Installs SQLite's allocator (zero on free: decrypted pages and key strings never linger in
// freed heap) and global settings. Idempotent; called before any connection opens.
void init();
// The cipher connections use: "sealchacha20" (same format as "chacha20", faster) or "chacha20".
const char* cipher_name();

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s, bool owned = true) : s_(s), owned_(owned) {}
  ~Stmt();
  Stmt(Stmt&& o) noexcept;
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, std::string_view v);  // TEXT
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
  std::string_view text(int col) const;
  std::string_view blob(int col) const;
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool owned_ = true;
};

// Thrown for SQLite failures inside the store; the store's public calls catch it once and turn it
// into a Result (see mailbox.cc).
struct Error {
  int code;
  std::string message;
};

class Db {
 public:
  Db() = default;
  ~Db();
  Db(Db&& o) noexcept;
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Opens (or creates) a database; key may be empty for an unencrypted database (benchmarks).
  static Db open(const std::filesystem::path& file, std::span<const uint8_t> key, bool create);
  void close();

  void exec(const char* sql);
  Stmt prepare(std::string_view sql);
  // A statement kept for the life of the connection, reset and cleared before it is returned.
  Stmt& cached(const char* sql);
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  sqlite3* get() const { return db_; }
  bool is_open() const { return db_ != nullptr; }
  [[noreturn]] void fail(int rc) const;

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, Stmt> cache_;
};

// Runs `fn` inside `begin` ... COMMIT; rolls back if it throws or returns a failed Result.
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

// A write transaction: takes the write lock at BEGIN, so it never fails half way on SQLITE_BUSY.
template <typename F>
auto transaction(Db& db, F&& fn) {
  return transaction_as(db, "BEGIN IMMEDIATE", std::forward<F>(fn));
}
// A read transaction: one consistent snapshot across several statements.
template <typename F>
auto transaction_read(Db& db, F&& fn) {
  return transaction_as(db, "BEGIN", std::forward<F>(fn));
}

// Maps an sql::Error to the store's error kinds.
sealmail::Error to_error(const Error& e);

}  // namespace sealmail::store::sql

// A small pool of SQLite connections to the directory file (internal). Each connection is used by
// one thread at a time; up to `max` threads read at once (WAL), and writers queue on SQLite's write
// lock (BEGIN IMMEDIATE + busy_timeout), the same way the CLI in another process does.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <mutex>
#include <vector>

#include "sqlite/sqlite.h"

namespace sealmail::directory {

class ConnectionPool {
 public:
  // `setup` runs on every new connection (pragmas); it may throw sql::Error.
  ConnectionPool(std::filesystem::path file, size_t max, std::function<void(sql::Db&)> setup);

  class Lease {
   public:
    Lease(ConnectionPool* pool, sql::Db db) : pool_(pool), db_(std::move(db)) {}
    ~Lease() { pool_->release(std::move(db_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    sql::Db& db() { return db_; }

   private:
    ConnectionPool* pool_;
    sql::Db db_;
  };

  // Waits for an idle connection, or opens one while fewer than `max` exist.
  Lease acquire();
  // Adds an already open connection (the one that created the schema) to the idle set.
  void adopt(sql::Db db);

 private:
  void release(sql::Db db);

  std::filesystem::path file_;
  size_t max_;
  std::function<void(sql::Db&)> setup_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<sql::Db> idle_;
  size_t open_ = 0;
};

}  // namespace sealmail::directory

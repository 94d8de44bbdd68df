// Helpers shared by the store's tests: temporary directories, raw access to a mailbox file with
// SQLite3 Multiple Ciphers (as an independent tool would have), file scanning.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "crypto/secret.h"

namespace sealmail::testing {

class TempDir {
 public:
  TempDir() {
    static int n = 0;
    path_ =
        std::filesystem::temp_directory_path() / ("sealmail-test-" + std::to_string(::getpid()) + "-" +
                                                  std::to_string(n++) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline bool file_contains(const std::filesystem::path& p, const std::string& needle) {
  return read_bytes(p).find(needle) != std::string::npos;
}

// Opens a mailbox the way any SQLite3 Multiple Ciphers tool does, given only the password (the
// cipher's own KDF), and runs one query returning a single value as text. Empty on failure.
inline std::string query_with_password(const std::filesystem::path& file, const std::string& password,
                                       const std::string& sql, int* rc_out = nullptr) {
  sqlite3* db = nullptr;
  std::string result;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA cipher = 'chacha20'", nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_key(db, password.data(), static_cast<int>(password.size()));
  sqlite3_stmt* st = nullptr;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      result = t ? reinterpret_cast<const char*>(t) : "";
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (rc_out != nullptr) *rc_out = rc;
  return result;
}

inline crypto::SecretBuffer secret(const std::string& s) { return crypto::SecretBuffer::from(s); }

}  // namespace sealmail::testing

namespace sealmail::testing {

// Runs SQL (several statements allowed) on a mailbox opened with the password; returns the rc.
inline int exec_with_password(const std::filesystem::path& file, const std::string& password, const std::string& sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA cipher = 'chacha20'", nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_key(db, password.data(), static_cast<int>(password.size()));
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc;
}

}  // namespace sealmail::testing

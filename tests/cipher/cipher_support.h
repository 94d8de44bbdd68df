// Helpers shared by the cipher tests and the cipher benchmark: temporary folders, connections
// opened with a named cipher, raw page access to database and WAL files.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::cipher_test {

inline constexpr const char* kStock = "chacha20";
inline constexpr const char* kFast = "sealchacha20";

// A folder under $TMPDIR removed with its content at the end of the scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sealmail-cipher-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// One connection; closes on scope exit.
class Conn {
 public:
  Conn() = default;
  explicit Conn(sqlite3* db) : db_(db) {}
  ~Conn() { close(); }
  Conn(Conn&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Conn& operator=(Conn&& o) noexcept {
    if (this != &o) {
      close();
      db_ = o.db_;
      o.db_ = nullptr;
    }
    return *this;
  }
  void close() {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = nullptr;
  }
  sqlite3* get() const { return db_; }
  // Gives up ownership without closing.
  sqlite3* release() {
    sqlite3* d = db_;
    db_ = nullptr;
    return d;
  }

  // Runs SQL and returns SQLite's (primary) result code.
  int exec(const std::string& sql) const { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) & 0xff; }
  void must(const std::string& sql) const {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err != nullptr ? err : "";
    sqlite3_free(err);
    if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + msg);
  }
  // The first column of the first row as text ("" when there is no row).
  std::string text(const std::string& sql) const {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    std::string out;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr)
      out.assign(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                 static_cast<size_t>(sqlite3_column_bytes(s, 0)));
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Opens `file` with `cipher` ("chacha20", "sealchacha20", or nullptr for plain SQLite) and `key`
// (a password, or "raw:<hex key><hex salt>"). Cipher parameters ("legacy", "kdf_iter", …) may be
// set for this connection before the key is applied.
inline Conn open_db(const std::filesystem::path& file, const char* cipher, std::string_view key,
                    std::vector<std::pair<const char*, int>> params = {}) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Conn c(db);
  if (rc != SQLITE_OK) throw std::runtime_error("open: " + std::string(sqlite3_errstr(rc)));
  if (cipher != nullptr) {
    int index = sqlite3mc_cipher_index(cipher);
    if (index <= 0 || sqlite3mc_config(db, "cipher", index) != index)
      throw std::runtime_error(std::string("no cipher ") + cipher);
    for (auto [name, value] : params) sqlite3mc_config_cipher(db, cipher, name, value);
    if (sqlite3_key_v2(db, "main", key.data(), static_cast<int>(key.size())) != SQLITE_OK)
      throw std::runtime_error("key failed");
  }
  return c;
}

inline std::vector<uint8_t> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& file, const std::vector<uint8_t>& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Page size and reserved bytes from bytes 16..20 of page 1, which the format keeps in clear.
inline int page_size_of(const std::vector<uint8_t>& file) {
  int v = file.at(16) << 8 | file.at(17);
  return v == 1 ? 65536 : v;
}
inline int reserved_of(const std::vector<uint8_t>& file) { return file.at(20); }

// The 64-hex key and 32-hex salt form sealmail opens mailboxes with.
inline std::string raw_key(uint8_t key_seed, uint8_t salt_seed) {
  static const char* hex = "0123456789abcdef";
  std::string s = "raw:";
  for (int i = 0; i < 32; i++) {
    auto b = static_cast<uint8_t>(key_seed + i * 7);
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  for (int i = 0; i < 16; i++) {
    auto b = static_cast<uint8_t>(salt_seed + i * 13);
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

}  // namespace sealmail::cipher_test

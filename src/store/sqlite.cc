#include "store/sqlite.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "store/cipher/sealchacha20.h"

namespace sealmail::store::sql {

namespace {

// Allocator that zeroes every block when it is freed. SQLite's page cache holds decrypted pages
// and its statement memory may hold key strings: neither should survive in freed heap.
constexpr size_t kHeader = 16;  // keeps the block 16-byte aligned

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
  if (n <= old) return p;  // SQLite only uses the size it asked for
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

// The cipher index connections select: "sealchacha20" (the chacha20 format with OpenSSL's
// vectorized primitives) when it registered, else the stock "chacha20". Both read and write the
// same bytes, so the choice never changes what is on disk.
std::atomic<int> mailbox_cipher{-1};
std::atomic<const char*> mailbox_cipher_name{"chacha20"};

}  // namespace

const char* cipher_name() {
  init();
  return mailbox_cipher_name.load();
}

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_config(SQLITE_CONFIG_MALLOC, &kZeroingAllocator);
    // Large mailboxes: memory statistics off saves a global mutex per allocation.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (sqlite3_initialize() != SQLITE_OK) throw std::runtime_error("sqlite3_initialize failed");
    const char* name = cipher::register_sealchacha20() == SQLITE_OK ? cipher::kSealChaCha20 : "chacha20";
    mailbox_cipher.store(sqlite3mc_cipher_index(name));
    mailbox_cipher_name.store(name);
  });
}

Stmt::~Stmt() {
  if (s_ != nullptr && owned_) sqlite3_finalize(s_);
}
Stmt::Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)), owned_(o.owned_) {}
Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_ != nullptr && owned_) sqlite3_finalize(s_);
    s_ = std::exchange(o.s_, nullptr);
    owned_ = o.owned_;
  }
  return *this;
}

namespace {
[[noreturn]] void throw_rc(sqlite3* db, int rc) {
  throw Error{rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)};
}
void check_bind(sqlite3_stmt* s, int rc) {
  if (rc != SQLITE_OK) throw_rc(sqlite3_db_handle(s), rc);
}
}  // namespace

Stmt& Stmt::bind(int i, int64_t v) {
  check_bind(s_, sqlite3_bind_int64(s_, i, v));
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  check_bind(s_, sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::span<const uint8_t> v) {
  check_bind(s_, sqlite3_bind_blob64(s_, i, v.empty() ? "" : static_cast<const void*>(v.data()), v.size(),
                                     SQLITE_TRANSIENT));
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
  sqlite3* db = sqlite3_db_handle(s_);
  sqlite3_reset(s_);
  throw_rc(db, rc);
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
Db::Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)), cache_(std::move(o.cache_)) {}
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

Db Db::open(const std::filesystem::path& file, std::span<const uint8_t> key, bool create) {
  init();
  Db d;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(file.c_str(), &d.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = d.db_ != nullptr ? sqlite3_errmsg(d.db_) : sqlite3_errstr(rc);
    d.close();
    throw Error{rc, msg};
  }
  sqlite3_extended_result_codes(d.db_, 1);
  if (!key.empty()) {
    int cipher = mailbox_cipher.load();
    if (cipher <= 0 || sqlite3mc_config(d.db_, "cipher", cipher) != cipher)
      throw Error{SQLITE_ERROR, "chacha20 cipher unavailable"};
    rc = sqlite3_key_v2(d.db_, "main", key.data(), static_cast<int>(key.size()));
    if (rc != SQLITE_OK) d.fail(rc);
  }
  return d;
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error{rc, msg};
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

void Db::fail(int rc) const { throw_rc(db_, rc); }

sealmail::Error to_error(const Error& e) {
  switch (e.code & 0xff) {
    case SQLITE_NOTADB: return make_error(Errc::wrong_password, "wrong password or not a sealmail mailbox");
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return make_error(Errc::busy, "mailbox is busy: " + e.message);
    case SQLITE_CORRUPT: return make_error(Errc::corrupt, "mailbox is damaged: " + e.message);
    case SQLITE_FULL: return make_error(Errc::io, "disk full");
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY: return make_error(Errc::io, "mailbox file: " + e.message);
    default: return make_error(Errc::internal, "database error: " + e.message);
  }
}

}  // namespace sealmail::store::sql

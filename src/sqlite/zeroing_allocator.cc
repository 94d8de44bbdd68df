// SQLite's process-wide set-up: an allocator that zeroes every block it frees, installed once
// before sqlite3_initialize().
//
// Why zero: SQLite's page cache holds decrypted mailbox pages and its statement memory may hold
// key strings; neither should survive in freed heap. Why here, once, for everyone: the allocator
// can be chosen only before SQLite initialises, and sqlite3_config fails silently (SQLITE_MISUSE)
// after. The store and the directory both call init() before their first connection, so
// whichever opens first, the whole process gets this allocator. (Both open at start-up, before
// worker threads use SQLite; std::call_once covers the rest.)
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "sqlite/sqlite.h"

namespace sealmail::sql {

namespace {

constexpr size_t kHeader = 16;  // keeps the block 16-byte aligned; holds its size

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

}  // namespace

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_config(SQLITE_CONFIG_MALLOC, &kZeroingAllocator);
    // Large mailboxes: memory statistics off saves a global mutex per allocation.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (sqlite3_initialize() != SQLITE_OK) throw std::runtime_error("sqlite3_initialize failed");
  });
}

}  // namespace sealmail::sql

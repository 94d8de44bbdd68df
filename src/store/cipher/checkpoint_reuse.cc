#include "store/cipher/checkpoint_reuse.h"

#include <sqlite3.h>

#include <cstring>
#include <new>

#include "store/cipher/primitives.h"

namespace sealmail::store::cipher {

namespace {

bool same_keys(const PageKeys& a, const PageKeys& b) {
  return std::memcmp(a.key, b.key, sizeof a.key) == 0 && std::memcmp(a.salt, b.salt, sizeof a.salt) == 0 &&
         a.legacy == b.legacy && a.plaintext_header_size == b.plaintext_header_size;
}

// Bytes of the page that are encrypted data (the rest holds nonce and tag), or 0 for a page
// without reserved bytes, which has no nonce to reuse.
int data_bytes(const PageKeys& keys, int len, int reserved) {
  return (reserved == 0 && !keys.legacy) ? 0 : len - kReservedBytes;
}

}  // namespace

CheckpointReuse* CheckpointReuse::create() { return new (std::nothrow) CheckpointReuse(); }

void CheckpointReuse::release() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

CheckpointReuse::~CheckpointReuse() {
  wipe(&keys_, sizeof keys_);
  if (stored_ != nullptr) wipe(stored_, static_cast<size_t>(capacity_));
  if (plain_ != nullptr) wipe(plain_, static_cast<size_t>(capacity_));
  sqlite3_free(stored_);
  sqlite3_free(plain_);
}

bool CheckpointReuse::ensure_capacity(int len) {
  if (len <= capacity_) return true;
  auto* stored = static_cast<uint8_t*>(sqlite3_malloc(len));
  auto* plain = static_cast<uint8_t*>(sqlite3_malloc(len));
  if (stored == nullptr || plain == nullptr) {
    sqlite3_free(stored);
    sqlite3_free(plain);
    return false;
  }
  if (stored_ != nullptr) wipe(stored_, static_cast<size_t>(capacity_));
  if (plain_ != nullptr) wipe(plain_, static_cast<size_t>(capacity_));
  sqlite3_free(stored_);
  sqlite3_free(plain_);
  stored_ = stored;
  plain_ = plain;
  capacity_ = len;
  return true;
}

int CheckpointReuse::decrypt(const PageKeys& keys, int page, uint8_t* data, int len, int reserved, bool check_tag) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  const int n = data_bytes(keys, len, reserved);
  if (!lock.owns_lock() || !check_tag || n <= 0 || !ensure_capacity(len)) {
    if (lock.owns_lock()) valid_ = false;
    return decrypt_page(keys, page, data, len, reserved, check_tag);
  }
  std::memcpy(stored_, data, static_cast<size_t>(len));
  int rc = decrypt_page(keys, page, data, len, reserved, true);
  valid_ = rc == SQLITE_OK;
  if (valid_) {
    std::memcpy(plain_, data, static_cast<size_t>(n));
    page_ = page;
    len_ = len;
    reserved_ = reserved;
    keys_ = keys;
  }
  return rc;
}

bool CheckpointReuse::matches(const PageKeys& keys, int page, const uint8_t* data, int len, int reserved) const {
  const int n = data_bytes(keys, len, reserved);
  return valid_ && n > 0 && page == page_ && len == len_ && reserved == reserved_ && same_keys(keys, keys_) &&
         std::memcmp(data, plain_, static_cast<size_t>(n)) == 0;
}

int CheckpointReuse::encrypt(const PageKeys& keys, int page, uint8_t* data, int len, int reserved) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (lock.owns_lock()) {
    bool hit = matches(keys, page, data, len, reserved);
    valid_ = false;
    if (hit) {
      std::memcpy(data, stored_, static_cast<size_t>(len));
      return SQLITE_OK;
    }
  }
  return encrypt_page(keys, page, data, len, reserved);
}

}  // namespace sealmail::store::cipher

// Checkpoint reuse: a WAL checkpoint decrypts each frame and at once encrypts the same plaintext
// into the same page of the database file. SQLite3 Multiple Ciphers does both through the cipher,
// so every page written in WAL mode is encrypted twice and decrypted once. When the page to
// encrypt is exactly the page the codec's read side just decrypted and authenticated — same page
// number, same keys and parameters, same plaintext — the stored bytes it came from are a valid
// encryption of it (the format is deterministic given the nonce), and are written again instead.
//
// Rules this keeps:
// - A nonce is only ever reused for the identical (key, salt, page number, plaintext): the same
//   key stream never covers two different plaintexts. What an observer learns — this database
//   page equals that WAL frame — is what a checkpoint does anyway.
// - Only pages whose Poly1305 tag was checked are remembered; the match is a full comparison of
//   the plaintext, never a hash. One page is remembered, and it is forgotten at the next encryption
//   whether it matched or not, so reuse only happens for a decryption immediately followed by
//   the encryption of the same page.
// - Plaintext lives in memory from SQLite's allocator (zeroed when freed, see store/sqlite.cc),
//   like SQLite's own page cache, for as long as the connection's cipher lives.
// - A mutex guards the entry; a contended lock just skips reuse.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "store/cipher/sqleet_page.h"

namespace sealmail::store::cipher {

class CheckpointReuse {
 public:
  // Reference counted: a codec's read and write ciphers share one (CloneCipher).
  static CheckpointReuse* create();
  void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release();

  // Decrypts the page (decrypt_page) and, when its tag was checked and matched, remembers it.
  int decrypt(const PageKeys& keys, int page, uint8_t* data, int len, int reserved, bool check_tag);
  // Encrypts the page (encrypt_page), unless it is the remembered one: then its stored bytes.
  int encrypt(const PageKeys& keys, int page, uint8_t* data, int len, int reserved);

 private:
  CheckpointReuse() = default;
  ~CheckpointReuse();
  bool ensure_capacity(int len);
  bool matches(const PageKeys& keys, int page, const uint8_t* data, int len, int reserved) const;

  std::atomic<int> refs_{1};
  std::mutex mutex_;
  bool valid_ = false;
  int page_ = 0;
  int len_ = 0;
  int reserved_ = 0;
  PageKeys keys_{};
  int capacity_ = 0;
  uint8_t* stored_ = nullptr;  // the page as read, ciphertext, nonce and tag
  uint8_t* plain_ = nullptr;   // what it decrypted to
};

}  // namespace sealmail::store::cipher

#include "store/sqlite.h"

#include <atomic>
#include <mutex>

#include "store/cipher/sealchacha20.h"

namespace sealmail::store::sql {

namespace {

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
  sealmail::sql::init();  // the cipher registers with an initialised SQLite
  static std::once_flag once;
  std::call_once(once, [] {
    const char* name = cipher::register_sealchacha20() == SQLITE_OK ? cipher::kSealChaCha20 : "chacha20";
    mailbox_cipher.store(sqlite3mc_cipher_index(name));
    mailbox_cipher_name.store(name);
  });
}

Db open(const std::filesystem::path& file, std::span<const uint8_t> key, bool create) {
  init();
  Db d = Db::open(file, create);
  if (!key.empty()) {
    int cipher = mailbox_cipher.load();
    if (cipher <= 0 || sqlite3mc_config(d.get(), "cipher", cipher) != cipher)
      throw Error{SQLITE_ERROR, "chacha20 cipher unavailable"};
    int rc = sqlite3_key_v2(d.get(), "main", key.data(), static_cast<int>(key.size()));
    if (rc != SQLITE_OK) d.fail(rc);
  }
  return d;
}

sealmail::Error to_error(const Error& e) {
  switch (e.code & 0xff) {
    case SQLITE_NOTADB:
      return make_error(Errc::wrong_password, "wrong password or not a sealmail mailbox");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error(Errc::busy, "mailbox is busy: " + e.message);
    case SQLITE_CORRUPT:
      return make_error(Errc::corrupt, "mailbox is damaged: " + e.message);
    case SQLITE_FULL:
      return make_error(Errc::io, "disk full");
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return make_error(Errc::io, "mailbox file: " + e.message);
    default:
      return make_error(Errc::internal, "database error: " + e.message);
  }
}

}  // namespace sealmail::store::sql

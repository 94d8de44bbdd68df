// "sealchacha20": SQLite3 Multiple Ciphers' "chacha20" cipher (sqleet, ChaCha20-Poly1305 per
// page) with OpenSSL's vectorized ChaCha20 and Poly1305 in place of the amalgamation's portable C.
//
// Same file format, byte for byte: a database written by either cipher opens with the other, with
// the same password or the same raw key, so an owner still opens a downloaded mailbox in any
// SQLite3 Multiple Ciphers tool with cipher "chacha20". It is registered under its own name because
// SQLite3 Multiple Ciphers does not let a registered cipher be replaced; connections choose it with
// sqlite3mc_config(db, "cipher", index) (or PRAGMA cipher / the URI parameter cipher=sealchacha20).
// It takes the same parameters as "chacha20" (legacy, legacy_page_size, kdf_iter,
// plaintext_header_size) with the same defaults and the same meaning, plus checkpoint_reuse
// (default 1; see checkpoint_reuse.h), which only changes which valid nonce a write uses.
#pragma once

#include <cstddef>

namespace sealmail::store::cipher {

inline constexpr const char* kSealChaCha20 = "sealchacha20";

// Registers the cipher once per process (after sqlite3_initialize; registering initializes SQLite
// if needed). Returns SQLITE_OK when it is registered (now or before), or the error of
// sqlite3mc_register_cipher, or SQLITE_ERROR when OpenSSL lacks ChaCha20 or Poly1305 (e.g. a
// FIPS-only provider): callers then fall back to the stock "chacha20", which writes the same format.
int register_sealchacha20();

// How many sealchacha20 cipher objects are alive in the process (two per keyed connection: read and
// write). Lets tests and diagnostics see which cipher connections actually use, since SQLite3
// Multiple Ciphers has no call that tells it for a keyed connection.
size_t live_sealchacha20_ciphers();

}  // namespace sealmail::store::cipher

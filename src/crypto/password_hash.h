// Password hashes for alias logins (DESIGN.md point 2): Argon2id through libsodium's
// crypto_pwhash_str, kept as the standard PHC string ("$argon2id$v=19$m=65536,t=2,p=1$...") so
// that the parameters travel with the hash and can be raised later without a migration.
//
// The passwords the server generates carry 148 bits of entropy (crypto/password.h), so the hash
// guards against a stolen directory, not against guessing: OPSLIMIT/MEMLIMIT_INTERACTIVE (64 MiB,
// ~50 ms) keeps concurrent logins on a small server affordable.
#pragma once

#include <string>
#include <string_view>

#include "crypto/secret.h"

namespace sealmail::crypto {

// Returns a fresh Argon2id string (random salt). Throws std::runtime_error only when libsodium
// cannot get the memory it needs; the message never holds the password.
std::string hash_password(const SecretBuffer& password);

// True when `hash` is an Argon2 string that `password` matches. An empty or malformed hash is
// simply false (never an exception), so "no password set" and "wrong password" look the same.
bool verify_password(std::string_view hash, const SecretBuffer& password);

// True when `hash` looks like an Argon2id string made by hash_password (cheap syntax check).
bool is_password_hash(std::string_view hash);

// True when `hash` was made with other parameters than hash_password uses today.
bool password_hash_needs_rehash(std::string_view hash);

}  // namespace sealmail::crypto

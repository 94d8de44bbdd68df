// The store's side of the shared SQLite layer (sqlite/sqlite.h; internal to src/store): the
// names store code uses as sql::..., plus what only mailboxes need: the cipher (registered at
// init, selected on every keyed connection) and the mapping of SQLite errors to the store's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "core/result.h"
#include "sqlite/sqlite.h"

namespace sealmail::store::sql {

using sealmail::sql::Db;
using sealmail::sql::Error;
using sealmail::sql::Query;
using sealmail::sql::Stmt;
using sealmail::sql::transaction;
using sealmail::sql::transaction_as;
using sealmail::sql::transaction_read;

// Initialises SQLite (sealmail::sql::init: the zeroing allocator) and registers the sealchacha20
// cipher. Idempotent; called before any connection opens.
void init();
// The cipher connections use: "sealchacha20" (same format as "chacha20", faster) or "chacha20".
const char* cipher_name();

// Opens (or creates) a mailbox database keyed with `key` through cipher_name()'s cipher; an
// empty key opens an unencrypted database (benchmarks).
Db open(const std::filesystem::path& file, std::span<const uint8_t> key, bool create);

// Thrown sql::Errors are caught once by the store's public calls (see mailbox_impl.h) and turned
// into the store's error kinds by this.
sealmail::Error to_error(const Error& e);

}  // namespace sealmail::store::sql

// The SQLite directory's schema (internal): version, creation, and the check made at open.
#pragma once

#include "core/result.h"
#include "sqlite/sqlite.h"

namespace sealmail::directory {

inline constexpr int64_t kSchemaVersion = 2;           // 2: accounts.password_hash
inline constexpr int64_t kApplicationId = 0x736d6469;  // "smdi": marks the file as a sealmail directory

// Creates the schema in an empty database, or checks an existing one (same application id, a
// version this code knows, the tables it needs); migrations from older versions go here.
// Throws sql::Error for SQLite failures; returns schema_mismatch for a file that is not ours.
Status prepare_schema(sql::Db& db);

}  // namespace sealmail::directory

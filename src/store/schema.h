// The mailbox schema, its version, and the check that runs at every open: the live schema is
// compared with the expected one; missing tables, columns and indexes are added inside one
// transaction, numbered migrations run for older versions, and anything else (a column of another
// type, a table we do not know) is a clear error naming what differs.
#pragma once

#include "core/result.h"
#include "store/sqlite.h"

namespace sealmail::store {

inline constexpr int kSchemaVersion = 7;

// Creates every table and index in an empty database (auto_vacuum must already be set).
void create_schema(sql::Db& db);
// Brings an existing database to kSchemaVersion; returns an error naming the first difference it
// cannot repair. Runs inside its own transaction.
Status migrate_and_validate(sql::Db& db);

}  // namespace sealmail::store

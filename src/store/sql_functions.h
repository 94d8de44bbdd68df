// SQL functions the store registers on every connection (src/store internal):
//   regexp(pattern, text)             RE2 (linear time, no backtracking): `text REGEXP pattern`
//   header_has(headers, name, value)  a header `name` whose decoded value contains `value`
//                                     (ASCII case-insensitive); empty value: the header exists
//   casefold(text)                    mime::fold_for_search: Unicode case folding
//   sort_subject(text)                SORT keys (RFC 5256 §3, RFC 5957): the base subject of a
//   sort_mailbox(text)                decoded subject (mime/base_subject.h); the local part or the
//   sort_display(text)                display name of an address list's first address
//                                     (mime/sort_keys.h)
//   body_in(set, id)                  whether `id` is in a sorted std::vector<int64_t> bound with
//                                     sqlite3_bind_pointer(..., kBodySetPointer, ...)
#pragma once

#include <string>

#include "store/sqlite.h"

namespace sealmail::store {

inline constexpr const char* kBodySetPointer = "sealmail_body_ids";

void register_sql_functions(sql::Db& db);
// Whether RE2 accepts the pattern; fills `error` when not.
bool valid_regex(const std::string& pattern, std::string& error);

}  // namespace sealmail::store

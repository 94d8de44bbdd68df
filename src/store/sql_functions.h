// SQL functions the store registers on every connection (src/store internal):
//   regexp(pattern, text)             RE2 (linear time, no backtracking): `text REGEXP pattern`
//   header_has(headers, name, value)  a header `name` whose decoded value contains `value`
//                                     (ASCII case-insensitive); empty value: the header exists
//   casefold(text)                    mime::fold_for_search: Unicode case folding
//   sort_subject(text)                SORT keys (RFC 5256 §3, RFC 5957): the base subject of a
//   sort_mailbox(text)                decoded subject (mime/base_subject.h); the local part or the
//   sort_display(text)                display name of an address list's first address
//                                     (mime/sort_keys.h)
//   body_in(set, id)                  whether `id` is in a BodySet bound with
//                                     sqlite3_bind_pointer(..., kBodySetPointer, ...)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/sqlite.h"

namespace sealmail::store {

inline constexpr const char* kBodySetPointer = "sealmail_body_ids";

// Body ids a full-text search found, for body_in(): a bitmap (one test per message of the
// folder, where a binary search over tens of thousands of ids was a quarter of a search's time),
// and a sorted list of the ids past it.
struct BodySet {
  static constexpr int64_t kBitmapIds = int64_t{1} << 26;  // at most 8 MiB
  std::vector<uint64_t> bits;
  std::vector<int64_t> others;

  explicit BodySet(const std::vector<int64_t>& ids);
  bool has(int64_t id) const;
};

void register_sql_functions(sql::Db& db);
// Whether RE2 accepts the pattern; fills `error` when not.
bool valid_regex(const std::string& pattern, std::string& error);

}  // namespace sealmail::store

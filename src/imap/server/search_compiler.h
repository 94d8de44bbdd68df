// Compiles an IMAP search (RFC 9051 §6.4.4, RFC 7162 MODSEQ, RFC 5182 "$", our X-REGEX) into the
// store's query tree (store/search.h), which the store turns into one SQL statement over its
// indexes and full-text index: no body is decoded to answer a search.
//
// Rules kept here:
// - message numbers are resolved against the session's view (`uids`), "*" being the last one;
//   UID ranges with "*" against the largest UID the session knows;
// - "$" is the saved result (SEARCHRES), empty when nothing was saved (RFC 5182 §2.1);
// - RECENT, NEW and OLD are the session's \Recent messages (RFC 3501 §6.4.4), given as UID ranges
//   (none under IMAP4rev2: RECENT and NEW match nothing, OLD everything);
// - OLDER/YOUNGER (WITHIN) are not announced and are refused.
// No I/O and no SQLite: it is fuzzed on its own (fuzz/imap/fuzz_imap_search_compiler.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imap/protocol/search_key.h"
#include "store/search.h"

namespace sealmail::imap {

struct SearchContext {
  const std::vector<uint32_t>* uids = nullptr;   // the session's message numbers -> UIDs
  const std::vector<uint32_t>* saved = nullptr;  // "$"
  const store::UidSet* recent = nullptr;         // the session's \Recent UIDs
};

struct SearchCompileError {
  std::string text;  // for a BAD answer
};

// Throws SearchCompileError for keys it cannot answer.
store::SearchKey compile_search(const SearchKey& key, const SearchContext& context);

// Whether the tree has a MODSEQ key (the SEARCH response then carries "(MODSEQ n)", RFC 7162).
bool uses_modseq(const SearchKey& key);

}  // namespace sealmail::imap

// The CLI's search language, compiled to store::SearchKey. Terms are ANDed:
//   from:X to:X cc:X bcc:X subject:X body:X text:X header:Name=X keyword:X
//   since:YYYY-MM-DD before:YYYY-MM-DD on:YYYY-MM-DD larger:N smaller:N
//   seen unseen flagged unflagged answered deleted draft   regex:PATTERN (body)   uid:A-B
// A bare word is text:word. "not:" negates a term ("not:seen", "not:from:alice").
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/search.h"

namespace sealmail::admin {

Result<store::SearchKey> parse_search_query(const std::vector<std::string>& terms);

}  // namespace sealmail::admin

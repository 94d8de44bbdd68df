// Search criteria the store answers with SQL over its indexes and its full-text index, never by
// decoding bodies. The IMAP SEARCH compiler (src/imap) and the CLI build these trees; the store
// compiles them to one SQL statement with bound parameters (search.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/types.h"

namespace sealmail::store {

struct SearchKey {
  enum class Kind {
    all,
    and_,      // children
    or_,       // children (two or more)
    not_,      // children[0]
    uids,      // uids
    flag_set,  // number = SystemFlag bits, all must be set
    flag_unset,
    keyword,    // text
    unkeyword,  // text
    header,     // field (any header name), text ("" = header present)
    subject,
    from,
    to,
    cc,
    bcc,   // text: case-insensitive substring
    body,  // text in decoded body text
    text,  // text in headers or body
    larger,
    smaller,  // number: RFC822.SIZE
    before,
    on,
    since,  // text: "YYYY-MM-DD", internal date
    sent_before,
    sent_on,
    sent_since,  // text: "YYYY-MM-DD", the Date header's day as written (in its own zone)
    modseq_ge,   // number
    regex,       // field ("body", "subject", "from", "to", or a header name), text: RE2
    thread,      // number: thread id
  };
  Kind kind = Kind::all;
  std::vector<SearchKey> children;
  std::string field;
  std::string text;
  int64_t number = 0;
  UidSet uids;

  static SearchKey all() { return {}; }
  static SearchKey of(Kind k, std::string text = {}) {
    SearchKey s;
    s.kind = k;
    s.text = std::move(text);
    return s;
  }
  static SearchKey num(Kind k, int64_t n) {
    SearchKey s;
    s.kind = k;
    s.number = n;
    return s;
  }
  static SearchKey combine(Kind k, std::vector<SearchKey> children) {
    SearchKey s;
    s.kind = k;
    s.children = std::move(children);
    return s;
  }
};

// RFC 5256 §3 and RFC 5957: subject is the base subject, from/to/cc the local part of the first
// address, display_from/display_to its display name (else its address); ties go by UID.
enum class SortKey { uid, arrival, date, size, subject, from, to, cc, display_from, display_to };

struct SearchOptions {
  std::vector<std::pair<SortKey, bool /*reverse*/>> sort;  // empty: by UID
  size_t limit = 0;                                        // 0: no limit
};

}  // namespace sealmail::store

// The IMAP search criteria as the client wrote them (RFC 3501 §6.4.4, RFC 9051 §6.4.4), plus
// MODSEQ (RFC 7162 §3.1.5), OLDER/YOUNGER (RFC 5032 WITHIN), "$" (RFC 5182 SEARCHRES) and our
// regular-expression extension. This is the protocol-level tree; the server compiles it into the
// store's query (store/search.h), resolving message numbers, "*" and "$" against the session.
//
// Rules kept here:
//   - a list of keys is their AND (RFC 9051 §6.4.4: "multiple search keys are ANDed"); a
//     parenthesised list is one key of kind and_; OR takes exactly two keys, NOT one;
//   - dates (BEFORE ON SINCE SENTBEFORE SENTON SENTSINCE) are parsed from date = "d-Mon-yyyy"
//     (optionally quoted) into text "YYYY-MM-DD"; comparisons ignore time and zone (RFC 9051
//     §6.4.4: "disregarding time and timezone");
//   - string values are astrings (atom, quoted string or literal), kept as raw bytes in the
//     charset the command named (US-ASCII or UTF-8; anything else is refused by the parser);
//   - "X-REGEX <field> <pattern>" is sealmail's extension (announced as capability X-REGEX):
//     field is "BODY", "SUBJECT", "FROM", "TO" (upper-cased by the parser) or any other header
//     name (kept as written); pattern is an RE2 expression matched against the decoded text. The
//     parser only checks the syntax of the two astrings; the server compiles and limits the RE2.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imap/protocol/sequence_set.h"

namespace sealmail::imap {

struct SearchKey {
  enum class Kind {
    all,
    and_,          // children (a parenthesised list, or the top-level list of keys)
    or_,           // children[0] OR children[1]
    not_,          // children[0]
    sequence_set,  // set: message sequence numbers (or "$")
    uid,           // set: UIDs (or "$")
    // Flags (no value).
    answered,
    deleted,
    draft,
    flagged,
    seen,
    recent,  // RFC 3501 only; IMAP4rev2 has no \Recent, the server may match nothing
    new_,    // RFC 3501: RECENT UNSEEN
    old,     // RFC 3501: NOT RECENT
    unanswered,
    undeleted,
    undraft,
    unflagged,
    unseen,
    keyword,    // value: flag-keyword
    unkeyword,  // value
    // Strings (value), case-insensitive substring matches.
    bcc,
    body,
    cc,
    from,
    subject,
    text,
    to,
    header,  // field, value ("" matches any message with that header)
    // Dates (value: "YYYY-MM-DD").
    before,
    on,
    since,
    sent_before,
    sent_on,
    sent_since,
    // Numbers (number).
    larger,   // RFC822.SIZE > number
    smaller,  // RFC822.SIZE < number
    older,    // RFC 5032: internal date at least `number` seconds ago
    younger,  // RFC 5032: internal date at most `number` seconds ago
    modseq,   // RFC 7162: MODSEQ >= number; field = entry name, value = entry type (or empty)
    regex,    // X-REGEX: field, value = RE2 pattern
  };
  Kind kind = Kind::all;
  std::vector<SearchKey> children;
  SequenceSet set;
  std::string field;
  std::string value;
  uint64_t number = 0;

  bool operator==(const SearchKey&) const = default;
};

}  // namespace sealmail::imap

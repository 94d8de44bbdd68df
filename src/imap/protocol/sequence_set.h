// IMAP sequence sets (RFC 9051 §9 "sequence-set", RFC 3501 §9 the same) and the saved search
// result "$" (RFC 5182 SEARCHRES). Rules kept here:
//   - a number is 1..4294967295 (nz-number); "*" is stored as 0 and means "the largest number in
//     use" (RFC 9051 §9, seq-number), resolved by the server, never here;
//   - "a:b" and "b:a" mean the same range (RFC 9051 §9: "the range ... regardless of order");
//     the parser keeps the order the client wrote, resolve() normalises;
//   - "$" stands alone: it cannot be combined with numbers (RFC 5182 §2.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::imap {

struct SeqRange {
  uint32_t first = 0;  // 0 means "*"
  uint32_t last = 0;   // equal to first for a single number
  bool operator==(const SeqRange&) const = default;
};

struct SequenceSet {
  std::vector<SeqRange> ranges;  // as written; empty when saved_result
  bool saved_result = false;     // "$" (RFC 5182)
  bool operator==(const SequenceSet&) const = default;
};

// Parses the text of one sequence-set token ("1:3,7,9:*" or "$"). nullopt on bad syntax.
std::optional<SequenceSet> parse_sequence_set(std::string_view text);

// Inclusive ranges with "*" replaced by `star` (the largest UID or message number in use; 0 for an
// empty mailbox), each with first <= last, sorted and merged. For "$" it returns nothing: the
// server substitutes its saved result. RFC 9051 §6.4.8: "*" in an empty mailbox matches nothing,
// so a range that touches "*" there is dropped.
struct Interval {
  uint32_t first = 0;
  uint32_t last = 0;
  bool operator==(const Interval&) const = default;
};
std::vector<Interval> resolve(const SequenceSet& set, uint32_t star);

// True when n lies in the set once "*" is `star` (for "$": false).
bool contains(const SequenceSet& set, uint32_t n, uint32_t star);

}  // namespace sealmail::imap

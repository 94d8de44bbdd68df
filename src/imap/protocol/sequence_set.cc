// Sequence sets (sequence_set.h).
#include "imap/protocol/sequence_set.h"

#include <algorithm>

namespace sealmail::imap {

namespace {

// seq-number = nz-number / "*"; nz-number = digit-nz *DIGIT, at most 4294967295.
std::optional<uint32_t> parse_seq_number(std::string_view text) {
  if (text == "*") return 0u;
  if (text.empty() || text.size() > 10 || text[0] < '1' || text[0] > '9') return std::nullopt;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(n);
}

}  // namespace

std::optional<SequenceSet> parse_sequence_set(std::string_view text) {
  SequenceSet set;
  if (text == "$") {
    set.saved_result = true;
    return set;
  }
  if (text.empty()) return std::nullopt;
  size_t pos = 0;
  while (true) {
    size_t comma = text.find(',', pos);
    std::string_view item = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    size_t colon = item.find(':');
    SeqRange range;
    if (colon == std::string_view::npos) {
      auto n = parse_seq_number(item);
      if (!n) return std::nullopt;
      range.first = range.last = *n;
    } else {
      auto a = parse_seq_number(item.substr(0, colon));
      auto b = parse_seq_number(item.substr(colon + 1));
      if (!a || !b) return std::nullopt;
      range.first = *a;
      range.last = *b;
    }
    set.ranges.push_back(range);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return set;
}

std::vector<Interval> resolve(const SequenceSet& set, uint32_t star) {
  std::vector<Interval> out;
  if (set.saved_result) return out;
  for (const SeqRange& r : set.ranges) {
    bool touches_star = r.first == 0 || r.last == 0;
    if (touches_star && star == 0) continue;
    uint32_t a = r.first == 0 ? star : r.first;
    uint32_t b = r.last == 0 ? star : r.last;
    if (a > b) std::swap(a, b);
    out.push_back({a, b});
  }
  std::sort(out.begin(), out.end(), [](const Interval& x, const Interval& y) { return x.first < y.first; });
  std::vector<Interval> merged;
  for (const Interval& i : out) {
    // Adjacent ranges merge too (1:3,4:5 -> 1:5); last + 1 cannot overflow past UINT32_MAX here
    // because we compare in 64 bits.
    if (!merged.empty() && static_cast<uint64_t>(i.first) <= static_cast<uint64_t>(merged.back().last) + 1) {
      merged.back().last = std::max(merged.back().last, i.last);
    } else {
      merged.push_back(i);
    }
  }
  return merged;
}

bool contains(const SequenceSet& set, uint32_t n, uint32_t star) {
  if (set.saved_result) return false;
  for (const SeqRange& r : set.ranges) {
    if ((r.first == 0 || r.last == 0) && star == 0) continue;
    uint32_t a = r.first == 0 ? star : r.first;
    uint32_t b = r.last == 0 ? star : r.last;
    if (a > b) std::swap(a, b);
    if (n >= a && n <= b) return true;
  }
  return false;
}

}  // namespace sealmail::imap

#include "imap/server/selected.h"

#include <algorithm>

namespace sealmail::imap {

uint32_t SelectedFolder::seq_of(uint32_t uid) const {
  auto it = std::lower_bound(uids.begin(), uids.end(), uid);
  return (it != uids.end() && *it == uid) ? static_cast<uint32_t>(it - uids.begin() + 1) : 0;
}

bool SelectedFolder::is_expunged_pending(uint32_t uid) const {
  return std::find(expunged_pending.begin(), expunged_pending.end(), uid) != expunged_pending.end();
}

std::vector<uint32_t> SelectedFolder::resolve(const SequenceSet& set, bool uid_mode) const {
  std::vector<uint32_t> out;
  if (uid_mode) {
    // RFC 9051 §6.4.9: UIDs that do not exist are ignored; "*" is the largest UID in use.
    for (auto& r : imap::resolve(set, max_uid())) {
      auto lo = std::lower_bound(uids.begin(), uids.end(), r.first);
      auto hi = std::upper_bound(lo, uids.end(), r.last);
      out.insert(out.end(), lo, hi);
    }
  } else {
    for (auto& r : imap::resolve(set, exists())) {
      if (r.first == 0 || r.first > exists()) continue;
      uint32_t last = std::min(r.last, exists());
      for (uint32_t n = r.first; n <= last; ++n) out.push_back(uids[n - 1]);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool SelectedFolder::is_recent(uint32_t uid) const {
  for (auto& r : recent)
    if (uid >= r.first && uid <= r.last) return true;
  return false;
}

uint32_t SelectedFolder::recent_count() const {
  uint32_t n = 0;
  for (auto& r : recent)
    n += static_cast<uint32_t>(std::upper_bound(uids.begin(), uids.end(), r.last) -
                               std::lower_bound(uids.begin(), uids.end(), r.first));
  return n;
}

void SelectedFolder::add_recent(store::UidRange range) {
  if (range.first > range.last) return;
  claimed_through = std::max(claimed_through, range.last);
  // Claims come in UID order: a range that continues the last one extends it.
  if (!recent.empty() && recent.back().last + 1 >= range.first) {
    recent.back().last = std::max(recent.back().last, range.last);
    return;
  }
  recent.push_back(range);
}

bool SelectedFolder::sequence_in_range(const SequenceSet& set) const {
  // A range with "*" is always acceptable ("1:*" in an empty folder names nothing).
  for (auto& r : set.ranges)
    if (r.first != 0 && r.last != 0 && (r.first > exists() || r.last > exists())) return false;
  return true;
}

store::UidSet SelectedFolder::to_ranges(const std::vector<uint32_t>& sorted_uids) {
  store::UidSet set;
  for (uint32_t uid : sorted_uids) {
    if (!set.empty() && set.back().last + 1 == uid)
      set.back().last = uid;
    else
      set.push_back({uid, uid});
  }
  return set;
}

}  // namespace sealmail::imap

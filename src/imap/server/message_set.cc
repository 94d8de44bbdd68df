#include "imap/server/message_set.h"

#include <algorithm>

#include "imap/server/session.h"

namespace sealmail::imap {

std::vector<uint32_t> message_set(Session& s, const SequenceSet& set, bool uid_mode) {
  auto& sel = *s.selected();
  if (set.saved_result) {
    std::vector<uint32_t> out;
    for (uint32_t uid : s.saved_search)
      if (sel.seq_of(uid) != 0) out.push_back(uid);
    return out;
  }
  if (!uid_mode && !sel.sequence_in_range(set)) bad("Invalid message sequence number");
  return sel.resolve(set, uid_mode);
}

}  // namespace sealmail::imap

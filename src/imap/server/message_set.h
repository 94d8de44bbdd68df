// The UIDs a command's sequence set names in the selected folder: message numbers or UIDs, or "$"
// (RFC 5182: the saved search result, restricted to messages that still exist). A message number
// beyond EXISTS is BAD (RFC 9051 §9 "seq-number").
#pragma once

#include <cstdint>
#include <vector>

#include "imap/protocol/sequence_set.h"

namespace sealmail::imap {

class Session;
std::vector<uint32_t> message_set(Session& session, const SequenceSet& set, bool uid_mode);

}  // namespace sealmail::imap

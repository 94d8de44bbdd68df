// STATUS data items (RFC 9051 §7.5.5 status-att; RFC 8438 SIZE; RFC 7162 HIGHESTMODSEQ; RFC 7889
// APPENDLIMIT; RFC 9208 DELETED, DELETED-STORAGE), shared by STATUS and LIST-STATUS (RFC 5819).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "imap/protocol/command.h"
#include "store/mailbox.h"

namespace sealmail::imap {

class Session;

struct FolderStatus {
  store::FolderInfo info;
  uint32_t deleted = 0;  // messages flagged \Deleted (only counted when asked)
  uint64_t deleted_bytes = 0;
};

// Blocking: reads what `items` need of `folder`.
Result<FolderStatus> read_status(store::Mailbox& mailbox, const std::string& folder,
                                 const std::vector<StatusItem>& items);
// "STATUS name (MESSAGES 3 UIDNEXT 9 ...)" without the "* ".
std::string status_line(const Session& session, const FolderStatus& status, const std::vector<StatusItem>& items);

}  // namespace sealmail::imap

#include "imap/server/status_items.h"

#include "imap/protocol/response.h"
#include "imap/server/session.h"

namespace sealmail::imap {

Result<FolderStatus> read_status(store::Mailbox& mailbox, const std::string& folder,
                                 const std::vector<StatusItem>& items) {
  FolderStatus out;
  auto info = mailbox.folder(folder);
  if (!info) return info.error();
  out.info = std::move(*info);
  bool deleted = false;
  for (auto i : items) deleted = deleted || i == StatusItem::deleted || i == StatusItem::deleted_storage;
  if (deleted) {
    auto flagged = mailbox.search(folder, store::SearchKey::num(store::SearchKey::Kind::flag_set, store::kDeleted));
    if (!flagged) return flagged.error();
    out.deleted = static_cast<uint32_t>(flagged->size());
    if (!flagged->empty()) {
      auto listed = mailbox.list_messages(folder, SelectedFolder::to_ranges(*flagged), false);
      if (!listed) return listed.error();
      for (auto& m : *listed) out.deleted_bytes += m.size;
    }
  }
  return out;
}

std::string status_line(const Session& s, const FolderStatus& st, const std::vector<StatusItem>& items) {
  std::string line = "STATUS " + s.folder_to_wire(st.info.name) + " (";
  bool first = true;
  for (auto item : items) {
    if (!first) line += ' ';
    first = false;
    line += status_item_name(item);
    line += ' ';
    switch (item) {
      case StatusItem::messages: line += std::to_string(st.info.messages); break;
      case StatusItem::recent: line += std::to_string(st.info.recent); break;  // not yet claimed
      case StatusItem::uidnext: line += std::to_string(st.info.uidnext); break;
      case StatusItem::uidvalidity: line += std::to_string(st.info.uidvalidity); break;
      case StatusItem::unseen: line += std::to_string(st.info.unseen); break;
      case StatusItem::deleted: line += std::to_string(st.deleted); break;
      case StatusItem::size: line += std::to_string(st.info.size); break;
      case StatusItem::highestmodseq: line += std::to_string(st.info.highest_modseq); break;
      case StatusItem::appendlimit: line += std::to_string(s.options().max_message_bytes); break;
      case StatusItem::deleted_storage: line += std::to_string(st.deleted_bytes / 1024); break;
    }
  }
  return line + ")";
}

}  // namespace sealmail::imap

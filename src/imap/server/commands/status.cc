// STATUS (RFC 9051 §6.3.11).
#include "imap/server/commands/handlers.h"
#include "imap/server/status_items.h"

namespace sealmail::imap::commands {

Result status(Session& s, Command& c) {
  auto& args = std::get<StatusArgs>(c.args);
  auto name = s.folder_from_wire(args.mailbox);
  auto items = args.items;
  for (auto i : items)
    if (i == StatusItem::highestmodseq) s.condstore = true;
  auto mailbox = s.mailbox_ptr();
  auto st_work = s.blocking([mailbox, name, items] { return read_status(*mailbox, name, items); });
  auto st = co_await std::move(st_work);
  if (!st) fail(st.error());
  s.untagged(status_line(s, *st, items));
  co_return Completion{.text = "STATUS completed"};
}

}  // namespace sealmail::imap::commands

// CREATE (RFC 9051 §6.3.4) with USE (RFC 6154 §3 CREATE-SPECIAL-USE). A trailing separator only
// says the client means a parent; intermediate folders are created as needed by the store.
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

namespace {

constexpr const char* kSpecialUse[] = {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"};

}  // namespace

Result create(Session& s, Command& c) {
  auto& args = std::get<CreateArgs>(c.args);
  auto name = s.folder_from_wire(args.mailbox);
  while (!name.empty() && name.back() == '/') name.pop_back();
  if (name.empty()) bad("empty mailbox name");
  if (name == "INBOX") no("ALREADYEXISTS", "INBOX always exists");
  std::string use;
  if (args.special_use.size() > 1) no("USEATTR", "one special use per mailbox");
  if (!args.special_use.empty()) {
    for (auto* known : kSpecialUse)
      if (strcasecmp(known, args.special_use[0].c_str()) == 0) use = known;
    if (use.empty()) no("USEATTR", "unknown special use");
  }
  auto mailbox = s.mailbox_ptr();
  auto st_work = s.blocking([mailbox, name, use] { return mailbox->create_folder(name, use); });
  auto st = co_await std::move(st_work);
  if (!st) fail(st.error());
  co_return Completion{.text = "CREATE completed"};
}

}  // namespace sealmail::imap::commands

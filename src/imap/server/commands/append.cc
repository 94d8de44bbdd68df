// APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502: all or nothing), literal8 and UTF8
// (RFC 3516, RFC 6855), APPENDUID (RFC 4315 §3), APPENDLIMIT (RFC 7889) and the quota that applies
// to the alias (RFC 9208 OVERQUOTA).
#include "imap/protocol/binary_append.h"
#include "imap/protocol/response.h"
#include "imap/server/commands/handlers.h"
#include "imap/server/fetch_response.h"
#include "quota/ledger.h"
#include "quota/usage.h"

namespace sealmail::imap::commands {

Result append(Session& s, Command& c) {
  auto& args = std::get<AppendArgs>(c.args);
  auto folder = s.folder_from_wire(args.mailbox);
  std::vector<store::AppendRequest> requests;
  uint64_t total = 0;
  for (auto& m : args.messages) {
    if (m.data.size() > s.options().max_message_bytes) no("TOOBIG", "message exceeds the APPENDLIMIT");
    if (m.data.empty()) bad("empty message");
    // RFC 3516 §4.4: NUL is only allowed in a literal8.
    if (!m.binary && m.data.find('\0') != std::string::npos) no("CANNOT", "NUL in a message");
    store::AppendRequest r;
    r.folder = folder;
    r.flags = parse_flags(m.flags);
    r.internal_date = m.date;
    // RFC 3516 §4.3: parts holding NUL are stored in base64, so BODY[n] can send them.
    if (m.binary)
      if (auto reencoded = reencode_parts_with_nul(m.data)) m.data = std::move(*reencoded);
    if (m.data.size() > s.options().max_message_bytes) no("TOOBIG", "message exceeds the APPENDLIMIT");
    total += m.data.size();
    r.message = std::move(m.data);
    requests.push_back(std::move(r));
  }
  auto mailbox = s.mailbox_ptr();
  auto directory = s.context().directory;
  auto alias = s.alias();
  auto meter = std::make_shared<quota::Meter>(s.options().data_dir, s.context().registry, s.context().spool);
  auto ledger = s.context().quota_ledger;
  auto shared = std::make_shared<std::vector<store::AppendRequest>>(std::move(requests));
  auto appended_work = s.blocking([mailbox, directory, alias, meter, ledger, shared, folder,
                                   total]() -> sealmail::Result<std::vector<store::AppendResult>> {
    auto exists = mailbox->folder(folder);
    if (!exists) return sealmail::Error{Errc::not_found, "no such mailbox"};
    // The alias's, its domain's and its account's limits, each over every mailbox it covers.
    auto usage = ledger ? ledger->usage(*directory, alias) : meter->usage(*directory, alias);
    if (!usage) return usage.error();
    if (!usage->fits(total)) return sealmail::Error{Errc::quota_exceeded, "the mailbox is full"};
    return mailbox->append_batch(*shared);
  });
  auto appended = co_await std::move(appended_work);
  if (!appended) {
    if (appended.error().code == Errc::not_found) no("TRYCREATE", "no such mailbox");
    fail(appended.error());
  }
  std::vector<uint32_t> uids;
  for (auto& a : *appended) uids.push_back(a.uid);
  Completion done;
  done.text = "APPEND completed";
  if (!appended->empty())
    done.code = "APPENDUID " + std::to_string(appended->front().uidvalidity) + " " + format_sequence_set(uids);
  co_return done;
}

}  // namespace sealmail::imap::commands

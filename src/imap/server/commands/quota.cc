// QUOTA (RFC 9208): one quota root, "", over storage (in KiB): of the alias's limits (its own, its
// domain's, its account's, each over every mailbox it covers: quota/usage.h) the one with the
// least room left, as usage and limit. Users cannot change it (SETQUOTA: NO, as for Dovecot's non-admin users).
#include "imap/server/commands/handlers.h"
#include "quota/ledger.h"
#include "quota/usage.h"

namespace sealmail::imap::commands {

Result getquota(Session& s, Command& c) {
  if (c.name == "GETQUOTA" && std::get<GetQuotaArgs>(c.args).root != "") no("NONEXISTENT", "no such quota root");
  auto directory = s.context().directory;
  auto alias = s.alias();
  auto meter = std::make_shared<quota::Meter>(s.options().data_dir, s.context().registry, s.context().spool);
  auto ledger = s.context().quota_ledger;
  struct Usage {
    uint64_t used = 0;
    std::optional<uint64_t> limit;
  };
  auto usage_work = s.blocking([meter, ledger, directory, alias]() -> sealmail::Result<Usage> {
    auto usage = ledger ? ledger->usage(*directory, alias) : meter->usage(*directory, alias);
    if (!usage) return usage.error();
    // The level with the least room: a full account fills every mailbox it owns.
    auto tightest = usage->tightest();
    if (!tightest) return Usage{};
    return Usage{tightest->used, tightest->limit};
  });
  auto usage = co_await std::move(usage_work);
  if (!usage) fail(usage.error());
  // RFC 9208 §5.1: a quota has at least one resource; without a limit there is no quota root.
  if (c.name == "GETQUOTAROOT") {
    auto name = s.folder_from_wire(std::get<MailboxArgs>(c.args).mailbox);
    s.untagged("QUOTAROOT " + s.folder_to_wire(name) + (usage->limit ? " \"\"" : ""));
  } else if (!usage->limit) {
    no("NONEXISTENT", "no quota applies to this mailbox");
  }
  if (usage->limit)
    s.untagged("QUOTA \"\" (STORAGE " + std::to_string(usage->used / 1024) + " " +
               std::to_string(*usage->limit / 1024) + ")");
  co_return Completion{.text = c.name + " completed"};
}

Result setquota(Session&, Command&) { no("NOPERM", "quotas are set by the administrator"); }

}  // namespace sealmail::imap::commands

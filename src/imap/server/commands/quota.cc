// QUOTA (RFC 9208): one quota root, "", over the mailbox's storage (in KiB) and message count,
// with the limit the directory gives the alias (the smallest of alias, domain and account
// limits). Users cannot change it (SETQUOTA: NO, as for Dovecot's non-admin users).
#include "imap/server/commands/handlers.h"

namespace sealmail::imap::commands {

Result getquota(Session& s, Command& c) {
  if (c.name == "GETQUOTA" && std::get<GetQuotaArgs>(c.args).root != "") no("NONEXISTENT", "no such quota root");
  auto mailbox = s.mailbox_ptr();
  auto directory = s.context().directory;
  auto alias = s.alias();
  struct Usage {
    store::Quota used;
    std::optional<uint64_t> limit;
  };
  auto usage_work = s.blocking([mailbox, directory, alias]() -> sealmail::Result<Usage> {
    auto used = mailbox->quota();
    if (!used) return used.error();
    auto limits = directory->quota_for(alias);
    if (!limits) return limits.error();
    return Usage{*used, limits->effective()};
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
    s.untagged("QUOTA \"\" (STORAGE " + std::to_string(usage->used.bytes / 1024) + " " +
               std::to_string(*usage->limit / 1024) + ")");
  co_return Completion{.text = c.name + " completed"};
}

Result setquota(Session&, Command&) { no("NOPERM", "quotas are set by the administrator"); }

}  // namespace sealmail::imap::commands

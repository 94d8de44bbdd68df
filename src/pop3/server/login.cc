#include "pop3/server/login.h"

#include "core/log.h"
#include "core/metrics.h"
#include "directory/directory.h"
#include "pop3/server/session.h"

namespace sealmail::pop3 {

asio::awaitable<void> log_in(Session& s, std::string user, crypto::SecretBuffer password) {
  static auto& failures =
      metrics::global().counter("sealmail_login_failures_total", "Failed logins.", "protocol=\"pop3\"");
  if (!s.login_allowed()) refuse("use STLS (or pop3s) before logging in");
  auto& ctx = s.context();
  const std::string& ip = s.connection().remote_ip();
  auto verdict = ctx.throttle->check(user, ip);
  if (verdict.locked) {
    failures.add();
    log::info("pop3_login_locked", {{"user", log::redact_address(user)}, {"ip", ip}});
    refuse("too many failed logins; try again later", RespCode::sys_temp);
  }
  if (verdict.delay.count() > 0) {
    asio::steady_timer pause(s.connection().executor(), verdict.delay);
    auto wait = pause.async_wait(asio::as_tuple(asio::use_awaitable));
    auto [ec] = co_await std::move(wait);
    (void)ec;
  }
  auto directory = ctx.directory;
  auto logins = ctx.logins;
  auto shared_password = std::make_shared<crypto::SecretBuffer>(std::move(password));
  auto alias_work = s.blocking(
      [directory, logins, user, shared_password] { return logins->verify(*directory, user, *shared_password); });
  auto alias = co_await std::move(alias_work);
  if (!alias) {
    if (alias.error().code != Errc::wrong_password) fail(alias.error());
    ctx.throttle->record_failure(user, ip);
    failures.add();
    log::info("pop3_login_failed", {{"user", log::redact_address(user)}, {"ip", ip}});
    refuse("authentication failed", RespCode::auth);
  }
  if (!alias->has_mailbox || alias->mailbox_id.empty())
    refuse("this address forwards its mail and has no mailbox to read", RespCode::sys_perm);
  ctx.throttle->record_success(user);

  auto lock = ctx.locks->try_lock(alias->mailbox_id);
  if (!lock) {
    log::info("pop3_maildrop_in_use", {{"user", log::redact_address(user)}, {"ip", ip}});
    refuse("another POP3 session is using this maildrop", RespCode::in_use);
  }
  auto registry = ctx.registry;
  auto file = directory::mailbox_path(ctx.options.data_dir, alias->mailbox_id);
  auto id = alias->mailbox_id;
  auto mailbox_work =
      s.blocking([registry, id, file, shared_password] { return registry->acquire(id, file, *shared_password, true); });
  auto mailbox = co_await std::move(mailbox_work);
  if (!mailbox) {
    if (mailbox.error().code == Errc::wrong_password) {
      // The directory and the mailbox disagree (a password changed by hand): nothing a retry fixes.
      log::error("pop3_mailbox_key_mismatch", {{"user", log::redact_address(user)}});
      refuse("the mailbox does not open with this password", RespCode::sys_perm);
    }
    fail(mailbox.error());
  }

  // Mail sealed while the owner was away (store/spool.h) joins INBOX before the maildrop is read,
  // so this session sees it. A failure loses nothing (what did not move stays in the spool, the
  // next login retries): log it and log in anyway.
  if (ctx.spool) {
    auto spool = ctx.spool;
    auto open = *mailbox;
    auto drain_work = s.blocking([spool, id, open] { return spool->drain(id, *open); });
    auto drained = co_await std::move(drain_work);
    if (!drained)
      log::error("pop3_spool_drain_failed", {{"user", log::redact_address(user)}, {"reason", drained.error().message}});
  }

  auto sizes = ctx.sizes;
  auto open = *mailbox;
  auto maildrop_work = s.blocking([open, id, sizes] { return Maildrop::load(*open, id, *sizes); });
  auto maildrop = co_await std::move(maildrop_work);
  if (!maildrop) fail(maildrop.error());
  const uint32_t count = maildrop->live_count();
  const uint64_t octets = maildrop->live_octets();
  s.logged_in(Transaction{std::move(*alias), std::move(open), std::move(*maildrop), std::move(*lock)});
  log::info("pop3_login", {{"user", log::redact_address(user)}, {"ip", ip}});
  append_ok(s.out(), "maildrop has " + std::to_string(count) + " messages (" + std::to_string(octets) + " octets)");
}

}  // namespace sealmail::pop3

#include "imap/server/login.h"

#include "core/log.h"
#include "core/metrics.h"
#include "directory/directory.h"
#include "imap/server/capabilities.h"
#include "imap/server/session.h"

namespace sealmail::imap {

asio::awaitable<Completion> log_in(Session& s, std::string user, crypto::SecretBuffer password) {
  auto& failures = metrics::global().counter("sealmail_login_failures_total", "Failed logins.", "protocol=\"imap\"");
  if (!s.login_allowed()) no("PRIVACYREQUIRED", "use STARTTLS (or imaps) before logging in");
  auto& ctx = s.context();
  const std::string& ip = s.connection().remote_ip();
  auto verdict = ctx.throttle->check(user, ip);
  if (verdict.locked) {
    failures.add();
    no("UNAVAILABLE", "too many failed logins; try again later");
  }
  if (verdict.delay.count() > 0) {
    asio::steady_timer pause(s.connection().executor(), verdict.delay);
    auto [ec] = co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
  auto directory = ctx.directory;
  auto logins = ctx.logins;
  auto shared_password = std::make_shared<crypto::SecretBuffer>(std::move(password));
  auto alias_work = s.blocking([directory, logins, user, shared_password] {
    return logins->verify(*directory, user, *shared_password);
  });
  auto alias = co_await std::move(alias_work);
  if (!alias) {
    if (alias.error().code != Errc::wrong_password) fail(alias.error());
    ctx.throttle->record_failure(user, ip);
    failures.add();
    log::info("imap_login_failed", {{"user", log::redact_address(user)}, {"ip", ip}});
    no("AUTHENTICATIONFAILED", "Authentication failed");
  }
  if (!alias->has_mailbox || alias->mailbox_id.empty())
    no("CONTACTADMIN", "this address forwards its mail and has no mailbox to read");
  ctx.throttle->record_success(user);
  auto registry = ctx.registry;
  auto file = directory::mailbox_path(ctx.options.data_dir, alias->mailbox_id);
  auto id = alias->mailbox_id;
  auto mailbox_work = s.blocking([registry, id, file, shared_password] {
    return registry->acquire(id, file, *shared_password, true);
  });
  auto mailbox = co_await std::move(mailbox_work);
  if (!mailbox) {
    if (mailbox.error().code == Errc::wrong_password) {
      // The directory and the mailbox disagree (a password changed by hand): nothing a retry fixes.
      log::error("imap_mailbox_key_mismatch", {{"user", log::redact_address(user)}});
      no("CONTACTADMIN", "the mailbox does not open with this password");
    }
    fail(mailbox.error());
  }
  // Mail sealed while the owner was away (store/spool.h) joins INBOX before the session starts.
  // A failure loses nothing (what did not move stays in the spool, the next login retries): log
  // it and log in anyway.
  if (ctx.spool) {
    auto spool = ctx.spool;
    auto open = *mailbox;
    auto drain_work = s.blocking([spool, id, open] { return spool->drain(id, *open); });
    auto drained = co_await std::move(drain_work);
    if (!drained)
      log::error("imap_spool_drain_failed", {{"user", log::redact_address(user)}, {"reason", drained.error().message}});
  }
  s.logged_in(std::move(*alias), std::move(*mailbox));
  log::info("imap_login", {{"user", log::redact_address(user)}, {"ip", ip}});
  Completion done;
  done.code = "CAPABILITY " + capabilities(s);
  done.text = "Logged in";
  co_return done;
}

}  // namespace sealmail::imap

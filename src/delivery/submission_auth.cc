#include "delivery/submission_auth.h"

#include "core/log.h"
#include "core/metrics.h"
#include "crypto/secret.h"

namespace sealmail::delivery {

namespace asio = boost::asio;

SubmissionAuthenticator::SubmissionAuthenticator(net::Runtime& runtime, std::shared_ptr<directory::Directory> directory,
                                                 std::shared_ptr<directory::LoginCache> logins,
                                                 std::shared_ptr<directory::LoginThrottle> throttle)
    : runtime_(runtime), directory_(std::move(directory)), logins_(std::move(logins)), throttle_(std::move(throttle)) {}

asio::awaitable<smtp::AuthVerdict> SubmissionAuthenticator::authenticate(std::string user, const std::string& password,
                                                                         std::string client_ip) {
  static auto& failures =
      metrics::global().counter("sealmail_login_failures_total", "Failed logins.", "protocol=\"submission\"");
  // Into locked memory before anything else (the caller wipes its string when this returns).
  auto secret = std::make_shared<crypto::SecretBuffer>(crypto::SecretBuffer::from(password));
  auto verdict = throttle_->check(user, client_ip);
  if (verdict.locked) {
    failures.add();
    log::info("submission_login_locked", {{"user", log::redact_address(user)}, {"ip", client_ip}});
    co_return smtp::AuthVerdict{{454, "4.7.0", "Too many failed logins; try again later"}, {}};
  }
  if (verdict.delay.count() > 0) {
    asio::steady_timer pause(co_await asio::this_coro::executor, verdict.delay);
    auto wait = pause.async_wait(asio::as_tuple(asio::use_awaitable));
    auto [ec] = co_await std::move(wait);
    (void)ec;
  }
  auto directory = directory_;
  auto logins = logins_;
  auto checking =
      runtime_.blocking([directory, logins, user, secret] { return logins->verify(*directory, user, *secret); });
  auto alias = co_await std::move(checking);
  if (!alias) {
    if (alias.error().code != Errc::wrong_password) {
      log::error("submission_login_error", {{"reason", alias.error().message}});
      co_return smtp::AuthVerdict{{454, "4.7.0", "Temporary authentication failure"}, {}};
    }
    throttle_->record_failure(user, client_ip);
    failures.add();
    log::info("submission_login_failed", {{"user", log::redact_address(user)}, {"ip", client_ip}});
    co_return smtp::AuthVerdict{{535, "5.7.8", "Authentication credentials invalid"}, {}};
  }
  throttle_->record_success(user);
  std::shared_ptr<void> hold;
  if (registry_ && alias->has_mailbox && !alias->mailbox_id.empty()) {
    auto registry = registry_;
    auto id = alias->mailbox_id;
    auto file = directory::mailbox_path(data_dir_, id);
    auto opening =
        runtime_.blocking([registry, id, file, secret] { return registry->acquire(id, file, *secret, true); });
    auto opened = co_await std::move(opening);
    // Without it the message still goes out; only the Sent copy is skipped (and logged).
    if (opened)
      hold = *opened;
    else
      log::warn("submission_mailbox_not_opened", {{"reason", opened.error().message}});
  }
  log::info("submission_login", {{"user", log::redact_address(user)}, {"ip", client_ip}});
  co_return smtp::AuthVerdict{{235, "2.7.0", "Authentication successful"}, alias->address, std::move(hold)};
}

}  // namespace sealmail::delivery

// What the admin listener answers: /healthz, /metrics (Prometheus text), the JSON API under /api/
// for everything the CLI does, behind a bearer token (compared in constant time), the public
// /.well-known/openpgpkey/ (WKD, pgp_key_api.h), and the account web page (web/ui.h). The API's
// routes are the table kRoutes in admin_api.cc, documented in docs/openapi.yaml. A generated
// password is in the answer of the call that made it, and nowhere else.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "admin/http_server.h"
#include "admin/web/sessions.h"
#include "backup/service.h"
#include "core/snapshot.h"
#include "crypto/secret.h"
#include "directory/directory.h"
#include "directory/rate_limiter.h"
#include "store/registry.h"
#include "store/spool.h"

namespace sealmail::admin {

struct AdminContext {
  Config config;  // as serve started: data_dir (what may change is in `live`)
  crypto::SecretBuffer token;
  net::Runtime* runtime = nullptr;
  std::shared_ptr<directory::Directory> directory;
  // Wrong tokens count as failed logins of the client IP: growing delays, then a lockout.
  std::shared_ptr<directory::RateLimiter> limiter;
  // The protocol servers' open mailboxes: a password change or a removed alias ends their
  // sessions first (set by serve; null in tests of the API alone).
  std::shared_ptr<store::MailboxRegistry> registry;
  // The sealed spool, counted in quota usage with the mailboxes (null: none).
  std::shared_ptr<store::Spool> spool;
  // The configuration file serve read ([openpgp] is read from it at each WKD lookup).
  std::optional<std::filesystem::path> config_file;
  // The account web page's sessions (web/sessions.h): in memory only.
  std::shared_ptr<web::SessionTable> web_sessions = std::make_shared<web::SessionTable>();

  // What a SIGHUP replaces (issue 4), taken once per request.
  struct Live {
    std::string hostname;
    std::shared_ptr<directory::LoginThrottle> token_throttle;  // from [limits] failed_logins_per_ip
    std::shared_ptr<backup::Service> backups;                  // [backup]; null when none is configured
  };
  std::shared_ptr<Snapshot<const Live>> live = std::make_shared<Snapshot<const Live>>(std::make_shared<const Live>());
};

// The throttle for admin tokens, from the configured limits, counting in `limiter`.
std::shared_ptr<directory::LoginThrottle> make_token_throttle(const Limits& limits, directory::RateLimiter& limiter);

HttpHandler make_admin_handler(std::shared_ptr<AdminContext> context);

// One API call without the bearer-token check (the account web page calls the API this way, after
// its own session and ownership checks). Blocking: run it on the worker pool.
HttpResponse call_api(AdminContext& context, const HttpRequest& request);

// The admin token file (32 random bytes, hex, mode 0600): read it, or create it when missing.
Result<crypto::SecretBuffer> load_or_create_admin_token(const std::filesystem::path& file);

}  // namespace sealmail::admin

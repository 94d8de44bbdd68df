// The account web page (issue 10), served by the admin listener over HTTPS: a domain owner logs in
// with the account name and the account's own password (`sealmail account password NAME`), an
// alias holder with the alias address and its password. Every action is a plain HTML form (no
// JavaScript needed) that becomes one call of the JSON API (admin_api.h: call_api), after the
// session's checks: the session cookie, the per-session CSRF token and the Origin header on every
// POST, and that the alias or domain belongs to whoever is logged in.
//
// Rules this module keeps:
// - Sessions live in memory only (sessions.h); the cookie is __Host-, Secure, HttpOnly,
//   SameSite=Strict, Path=/.
// - Every page carries a Content-Security-Policy allowing only our own script and style, and no
//   framing; nothing is loaded from anywhere else.
// - Failed logins count in the same throttle as IMAP and POP3 logins (by address and by IP).
// - A password appears only in the answer of the request that made it; nothing here logs
//   passwords, cookies, session ids or addresses.
#pragma once

#include <memory>
#include <string_view>

#include "admin/admin_api.h"

namespace sealmail::admin::web {

// "/", "/account" and everything under "/account/".
bool is_web_path(std::string_view path);

net::asio::awaitable<HttpResponse> handle(std::shared_ptr<AdminContext> context, HttpRequest request);

}  // namespace sealmail::admin::web

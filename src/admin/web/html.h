// HTML for the account web page: escaping, and the page frame every page shares. No inline script
// or style anywhere (the Content-Security-Policy forbids them): behaviour comes from
// /account/static/account.js, looks from /account/static/account.css, both served by us.
#pragma once

#include <string>
#include <string_view>

#include "admin/web/sessions.h"

namespace sealmail::admin::web {

// Text for an element or a quoted attribute value: & < > " ' escaped.
std::string escape(std::string_view text);
// A path segment or query value, percent-encoded (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);

// The whole document around `body` (already HTML). With a session: who is logged in and a logout
// button carrying the session's CSRF token.
std::string page(std::string_view title, std::string_view body, const Session* session);

// <input type="hidden" name="csrf" ...> for a form of this session.
std::string csrf_field(const Session& session);

// The static files (exact bytes and types), by name: "account.js", "account.css".
struct Asset {
  std::string_view content_type;
  std::string_view body;
};
const Asset* find_asset(std::string_view name);

}  // namespace sealmail::admin::web

// The account web page's pages, as HTML fragments for html.h's page(): built from the JSON the API
// answers (admin_api.cc), so that what the page shows is what the API says.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "admin/web/sessions.h"

namespace sealmail::admin::web {

inline constexpr int kSecretSeconds = 30;  // how long a generated password stays on screen

std::string login_body(std::string_view message);
// A domain owner's overview: `domains` is [{"name", "quota", "aliases": [alias JSON...]}].
std::string home_body(const Session& session, const nlohmann::json& domains);
// One alias: `alias` as GET /api/aliases/{address} answers; `backups` as GET .../backups answers,
// or {"error": "..."}; `pgp_key` as GET .../pgp-key answers, or null when it has none.
std::string alias_body(const Session& session, const nlohmann::json& alias, const nlohmann::json& backups,
                       const nlohmann::json& pgp_key);
// A generated password, shown once, hidden after kSecretSeconds by account.js.
std::string secret_body(const Session& session, std::string_view address, std::string_view password,
                        std::string_view what);
std::string message_body(const Session* session, std::string_view message, bool error);

}  // namespace sealmail::admin::web

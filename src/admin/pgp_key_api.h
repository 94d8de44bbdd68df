// The admin listener's OpenPGP endpoints (issue 9):
//   PUT    /api/aliases/{address}/pgp-key   body: {"key": "<armored>"} or the key itself (armored or binary)
//   GET    /api/aliases/{address}/pgp-key
//   DELETE /api/aliases/{address}/pgp-key
//   POST   /api/aliases/{address}/pgp-key/wkd-lookup   (finds and sets the key by WKD)
// each answering {"address","fingerprint","user_ids","valid_until","updated_at","key"} (or
// {"removed"}), behind the API's bearer token; and, without a token, the Web Key Directory of the
// hosted domains (draft-koch-openpgp-webkey-service §3.1):
//   GET /.well-known/openpgpkey/hu/<hash>[?l=<local>]            (direct: the domain is the Host)
//   GET /.well-known/openpgpkey/<domain>/hu/<hash>[?l=<local>]   (advanced)
//   GET /.well-known/openpgpkey/policy, /.well-known/openpgpkey/<domain>/policy (empty: §4.5)
// (GET only: other methods get 405)
// The binary key is served as application/octet-stream; an alias without a key is a 404. WKD must be
// reached over HTTPS on port 443 of the domain (or of openpgpkey.<domain>): a TLS reverse proxy in
// front of the admin listener passes /.well-known/openpgpkey/ on.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "admin/admin_api.h"
#include "admin/http_server.h"

namespace sealmail::admin {

// The answer when `segments` ("api", "aliases", address, "pgp-key", ...) is one of ours; none otherwise.
// Blocking: on the worker pool.
std::optional<HttpResponse> pgp_key_api(AdminContext& ctx, const std::vector<std::string>& segments,
                                        const HttpRequest& req);

bool is_wkd_path(const std::string& path);
// Blocking: on the worker pool.
HttpResponse wkd_response(AdminContext& ctx, const HttpRequest& req);

}  // namespace sealmail::admin

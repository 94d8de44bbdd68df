// What the admin listener answers: /healthz, /metrics (Prometheus text), and the JSON API under
// /api/ for everything the CLI does, behind a bearer token (compared in constant time).
#pragma once

#include <memory>

#include "admin/http_server.h"
#include "crypto/secret.h"

namespace sealmail::admin {

struct AdminContext {
  Config config;
  crypto::SecretBuffer token;
};

HttpHandler make_admin_handler(std::shared_ptr<AdminContext> context);

// The admin token file (32 random bytes, hex, mode 0600): read it, or create it when missing.
Result<crypto::SecretBuffer> load_or_create_admin_token(const std::filesystem::path& file);

}  // namespace sealmail::admin

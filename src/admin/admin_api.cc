#include "admin/admin_api.h"

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/hex.h"
#include "core/metrics.h"

namespace sealmail::admin {

namespace {

HttpResponse json(int status, const nlohmann::json& body) {
  return {status, "application/json", body.dump() + "\n"};
}

bool authorized(const AdminContext& ctx, const std::string& header) {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) return false;
  auto given = crypto::SecretBuffer::from(std::string_view(header).substr(kBearer.size()));
  return given.equals(ctx.token);
}

}  // namespace

HttpHandler make_admin_handler(std::shared_ptr<AdminContext> context) {
  return [context](HttpRequest req) -> net::asio::awaitable<HttpResponse> {
    std::string path = req.target.substr(0, req.target.find('?'));
    if (path == "/healthz") co_return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
    if (path == "/metrics")
      co_return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics::global().render()};
    if (path.rfind("/api/", 0) == 0 || path == "/api") {
      if (!authorized(*context, req.authorization)) {
        metrics::global().counter("sealmail_admin_auth_failures_total", "Admin API requests refused for their token.").add();
        co_return json(401, {{"error", "missing or wrong bearer token"}});
      }
      if (path == "/api/status" && req.method == "GET")
        co_return json(200, {{"hostname", context->config.hostname}, {"version", "0.1.0"}});
      co_return json(404, {{"error", "no such endpoint"}});
    }
    co_return HttpResponse{404, "text/plain; charset=utf-8", "not found\n"};
  };
}

Result<crypto::SecretBuffer> load_or_create_admin_token(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    auto data = fs::read_file(file);
    if (!data) return data.error();
    std::string_view t = *data;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
    auto token = crypto::SecretBuffer::from(t);
    crypto::wipe(data->data(), data->size());
    if (token.size() < 32) return make_error(Errc::invalid_argument, "admin token file " + file.string() + " is too short");
    return token;
  }
  uint8_t raw[32];
  crypto::random_bytes(raw);
  std::string hex = to_hex(raw) + "\n";
  crypto::wipe(raw, sizeof raw);
  auto st = fs::write_file_durably(file, hex, 0600);
  auto token = crypto::SecretBuffer::from(std::string_view(hex).substr(0, 64));
  crypto::wipe(hex.data(), hex.size());
  if (!st) return st.error();
  return token;
}

}  // namespace sealmail::admin

#include "admin/running_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "admin/admin_api.h"
#include "admin/serve_lock.h"
#include "core/config.h"
#include "crypto/secret.h"

namespace sealmail::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// A server that accepts but never answers must not hang the CLI: a re-key of a large mailbox takes
// seconds, so the limit is generous.
constexpr auto kCallTimeout = std::chrono::seconds(120);

}  // namespace

std::string path_segment(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Error api_error(const ApiReply& reply) {
  std::string message = reply.body.contains("error") && reply.body["error"].is_string()
                            ? reply.body["error"].get<std::string>()
                            : "the server answered HTTP " + std::to_string(reply.status);
  Errc code = Errc::internal;
  switch (reply.status) {
    case 400:
      code = Errc::invalid_argument;
      break;
    case 403:
      code = Errc::wrong_password;
      break;
    case 404:
      code = Errc::not_found;
      break;
    case 409:
      code = Errc::already_exists;
      break;
    case 429:
      code = Errc::quota_exceeded;
      break;
    case 503:
      code = Errc::busy;
      break;
    default:
      break;
  }
  return make_error(code, std::move(message));
}

std::optional<Result<ApiReply>> call_running_server(const std::filesystem::path& data_dir, std::string_view method,
                                                    const std::string& target, const nlohmann::json& body) {
  auto admin = running_server_admin(data_dir);
  if (!admin) return std::nullopt;
  std::error_code ec;
  std::optional<std::filesystem::path> file;
  if (std::filesystem::exists(data_dir / "config.toml", ec)) file = data_dir / "config.toml";
  auto config = load_config(data_dir, file);
  if (!config) return Result<ApiReply>(config.error());

  asio::io_context io;
  beast::tcp_stream stream(io);
  boost::system::error_code err;
  auto address = asio::ip::make_address(admin->host == "0.0.0.0" ? "127.0.0.1"
                                        : admin->host == "::"    ? "::1"
                                                                 : admin->host,
                                        err);
  if (err) return Result<ApiReply>(make_error(Errc::invalid_argument, "serve.lock names a bad admin address"));
  stream.socket().connect({address, admin->port}, err);
  if (err)
    return Result<ApiReply>(make_error(Errc::io, "the running server's admin listener refused: " + err.message()));

  auto token = load_or_create_admin_token(config->admin_token_file());
  if (!token) return Result<ApiReply>(token.error());
  http::request<http::string_body> req{method == "DELETE" ? http::verb::delete_ : http::verb::post, target, 11};
  req.set(http::field::host, admin->to_string());
  std::string authorization = "Bearer " + std::string(token->view());
  req.set(http::field::authorization, authorization);
  crypto::wipe(authorization.data(), authorization.size());
  req.set(http::field::content_type, "application/json");
  req.body() = body.is_null() ? "" : body.dump();
  req.prepare_payload();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  stream.expires_after(kCallTimeout);
  http::async_write(stream, req, [&](boost::system::error_code e, size_t) {
    if (e) {
      err = e;
      return;
    }
    http::async_read(stream, buffer, parser, [&](boost::system::error_code e2, size_t) { err = e2; });
  });
  io.run();
  for (auto& field : req)
    if (field.name() == http::field::authorization)
      crypto::wipe(const_cast<char*>(field.value().data()), field.value().size());
  auto& sent = req.body();
  crypto::wipe(sent.data(), sent.size());  // may hold a current password
  if (err) return Result<ApiReply>(make_error(Errc::io, "the running server did not answer: " + err.message()));
  auto& res = parser.get();
  ApiReply reply;
  reply.status = static_cast<int>(res.result_int());
  reply.body = nlohmann::json::parse(res.body(), nullptr, false);
  crypto::wipe(res.body().data(), res.body().size());  // may hold a new password
  if (reply.body.is_discarded()) reply.body = nlohmann::json::object();
  return Result<ApiReply>(std::move(reply));
}

}  // namespace sealmail::admin

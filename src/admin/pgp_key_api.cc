#include "admin/pgp_key_api.h"

#include <nlohmann/json.hpp>

#include "admin/mail_admin.h"
#include "core/hex.h"
#include "core/wipe.h"

namespace sealmail::admin {

namespace {

using nlohmann::json;

constexpr std::string_view kWkdPrefix = "/.well-known/openpgpkey/";

HttpResponse reply(int status, const json& body) { return {status, "application/json", body.dump() + "\n"}; }

HttpResponse error_reply(const Error& e) {
  int status = e.code == Errc::invalid_argument ? 400 : e.code == Errc::not_found ? 404 : 500;
  return reply(status, {{"error", e.message}});
}

json to_json(const PgpKeyInfo& k) {
  return {{"address", k.address},         {"fingerprint", k.fingerprint}, {"user_ids", k.user_ids},
          {"valid_until", k.valid_until}, {"updated_at", k.updated_at},   {"key", k.armored}};
}

HttpResponse not_found() { return {404, "text/plain; charset=utf-8", "not found\n"}; }

std::string lower_ascii(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// "l" of the query, percent-decoded; empty when absent or malformed.
std::string local_hint(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    if (kv.substr(0, 2) == "l=") {
      std::string out;
      std::string_view v = kv.substr(2);
      for (size_t i = 0; i < v.size(); ++i) {
        auto byte = v[i] == '%' && i + 2 < v.size() ? from_hex(v.substr(i + 1, 2)) : std::nullopt;
        if (byte) {
          out += static_cast<char>((*byte)[0]);
          i += 2;
        } else {
          out += v[i] == '+' ? ' ' : v[i];
        }
      }
      return out;
    }
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return {};
}

bool is_zbase32_hash(std::string_view h) {
  static constexpr std::string_view kAlphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";
  return h.size() == 32 && h.find_first_not_of(kAlphabet) == std::string_view::npos;
}

}  // namespace

std::optional<HttpResponse> pgp_key_api(AdminContext& ctx, const std::vector<std::string>& seg,
                                        const HttpRequest& req) {
  if (seg.size() < 4 || seg[1] != "aliases" || seg[3] != "pgp-key") return std::nullopt;
  auto& d = *ctx.directory;
  const std::string& address = seg[2];
  const std::string& m = req.method;
  if (seg.size() == 5 && seg[4] == "wkd-lookup" && m == "POST") {
    auto r = set_pgp_key_from_wkd(d, ctx.config_file, address);
    return r ? reply(200, to_json(*r)) : error_reply(r.error());
  }
  if (seg.size() != 4) return reply(404, {{"error", "no such endpoint"}});
  if (m == "GET") {
    auto r = get_pgp_key(d, address);
    return r ? reply(200, to_json(*r)) : error_reply(r.error());
  }
  if (m == "DELETE") {
    auto st = remove_pgp_key(d, address);
    return st ? reply(200, {{"removed", address}}) : error_reply(st.error());
  }
  if (m == "PUT") {
    // A secret key sent by mistake is refused; the copies made here are wiped either way.
    std::string text = req.body;
    if (!text.empty() && text.front() == '{') {
      auto body = json::parse(text, nullptr, false);
      sasl::wipe(text);
      if (body.is_discarded() || !body.is_object() || !body.contains("key") || !body["key"].is_string())
        return reply(400, {{"error", "the body must be {\"key\": \"<armored public key>\"} or the key itself"}});
      auto& given = body["key"].get_ref<std::string&>();
      text = given;
      sasl::wipe(given);
    }
    auto r = set_pgp_key(d, address, text);
    sasl::wipe(text);
    return r ? reply(200, to_json(*r)) : error_reply(r.error());
  }
  return reply(405, {{"error", "use GET, PUT or DELETE"}});
}

bool is_wkd_path(const std::string& path) { return path.rfind(kWkdPrefix, 0) == 0; }

HttpResponse wkd_response(AdminContext& ctx, const HttpRequest& req) {
  // GET only: the server writes a body with every answer, which a HEAD must not have.
  if (req.method != "GET") return {405, "text/plain; charset=utf-8", "method not allowed\n"};
  if (!ctx.directory) return {503, "text/plain; charset=utf-8", "no directory\n"};
  std::string path = req.target.substr(0, req.target.find('?'));
  std::string_view rest = std::string_view(path).substr(kWkdPrefix.size());
  // The domain: from the path (advanced method) or the Host header (direct method).
  std::string domain;
  if (rest.rfind("hu/", 0) != 0 && rest != "policy") {
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return not_found();
    domain = lower_ascii(std::string(rest.substr(0, slash)));
    rest.remove_prefix(slash + 1);
  } else {
    domain = lower_ascii(req.host.substr(
        0, req.host.rfind(':') == std::string::npos || req.host.find(']') != std::string::npos ? req.host.size()
                                                                                               : req.host.rfind(':')));
  }
  auto hosted = ctx.directory->hosts_domain(domain);
  if (!hosted) return {503, "text/plain; charset=utf-8", "directory unavailable\n"};
  if (!*hosted) return not_found();
  // §4.5: the policy flags file; empty means no flags (no submission service).
  if (rest == "policy") return {200, "text/plain; charset=utf-8", ""};
  if (rest.rfind("hu/", 0) != 0 || !is_zbase32_hash(rest.substr(3))) return not_found();
  auto key = wkd_served_key(*ctx.directory, domain, rest.substr(3), local_hint(req.target));
  if (!key) return {503, "text/plain; charset=utf-8", "directory unavailable\n"};
  if (!*key) return not_found();
  HttpResponse out{200, "application/octet-stream", std::string((*key)->begin(), (*key)->end())};
  return out;
}

}  // namespace sealmail::admin

#include "admin/admin_api.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "admin/mail_admin.h"
#include "admin/mailbox_access.h"
#include "admin/pgp_key_api.h"
#include "admin/queue_commands.h"
#include "core/fs.h"
#include "core/hex.h"
#include "core/metrics.h"
#include "quota/usage.h"

namespace sealmail::admin {

namespace {

using nlohmann::json;

HttpResponse reply(int status, const json& body) { return {status, "application/json", body.dump() + "\n"}; }

HttpResponse error_reply(const Error& e) {
  int status = 500;
  switch (e.code) {
    case Errc::not_found:
      status = 404;
      break;
    case Errc::already_exists:
      status = 409;
      break;
    case Errc::invalid_argument:
      status = 400;
      break;
    case Errc::wrong_password:
      status = 403;
      break;
    case Errc::quota_exceeded:
      status = 429;
      break;
    case Errc::busy:
      status = 503;
      break;
    default:
      break;
  }
  return reply(status, {{"error", e.message}});
}

bool authorized(const AdminContext& ctx, const std::string& header) {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) return false;
  auto given = crypto::SecretBuffer::from(std::string_view(header).substr(kBearer.size()));
  return given.equals(ctx.token);
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto v = from_hex(s.substr(i + 1, 2));
      if (v) {
        out += static_cast<char>((*v)[0]);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    out.push_back(
        percent_decode(path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos)));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}

std::string query_param(std::string_view target, std::string_view name) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    size_t eq = kv.find('=');
    if (kv.substr(0, eq) == name) return eq == std::string_view::npos ? "1" : percent_decode(kv.substr(eq + 1));
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return {};
}

json to_json(const directory::Account& a) {
  return {{"name", a.name}, {"quota", a.quota_bytes}, {"created_at", a.created_at}};
}
json to_json(const directory::Domain& d, const std::string& account) {
  return {{"name", d.name},
          {"account", account},
          {"quota", d.quota_bytes.value_or(0)},
          {"dkim_selector", d.dkim_selector},
          {"retention_days", d.retention_days}};
}
json to_json(const directory::Alias& a) {
  return {{"address", a.address},
          {"kind", directory::to_string(a.kind)},
          {"mailbox", a.has_mailbox},
          {"forwards", a.forwards},
          {"webhooks", a.webhooks},
          {"quota", a.quota_bytes.value_or(0)},
          {"has_password", a.has_password()},
          {"created_at", a.created_at}};
}

std::string secret_text(const crypto::SecretBuffer& s) { return std::string(s.view()); }

// The API proper: runs on the worker pool (the directory and the store block).
// Ends the IMAP and POP3 sessions of the alias (they answer "* BYE") and waits, a few seconds at
// most, until they have let go of its mailbox, so that a re-key or a removal finds it closed.
void end_sessions(AdminContext& ctx, const std::string& address) {
  if (!ctx.registry) return;
  auto alias = ctx.directory->find_alias(address);
  if (!alias || alias->mailbox_id.empty()) return;
  if (ctx.registry->close_sessions(alias->mailbox_id) == 0 && !ctx.registry->find(alias->mailbox_id)) return;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ctx.registry->find(alias->mailbox_id) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// The outbound queue, as `sealmail queue` (queue_commands.h): the same files, the same answers.
HttpResponse queue_api(AdminContext& ctx, const std::vector<std::string>& seg, const std::string& m) {
  auto q = open_queue(ctx.config.data_dir);
  if (!q) return error_reply(q.error());
  auto& store = **q;
  if (seg.size() == 2 && m == "GET") {
    json out = json::array();
    for (const auto& id : store.ids()) {
      auto e = store.load(id);
      if (e) out.push_back(queue_entry_json(*e, false));
    }
    return reply(200, out);
  }
  if (seg.size() >= 3 && seg[2] == "history") {
    auto h = open_queue_history(ctx.config.data_dir);
    if (!h) return error_reply(h.error());
    if (seg.size() == 3 && m == "GET") {
      json out = json::array();
      for (const auto& id : (*h)->ids())
        if (auto r = (*h)->load(id)) out.push_back(retired_entry_json(*r, false));
      return reply(200, out);
    }
    if (seg.size() == 4 && !delivery::valid_queue_id(seg[3])) return reply(400, {{"error", "not a queue id"}});
    if (seg.size() == 4 && m == "GET") {
      auto r = (*h)->load(seg[3]);
      return r ? reply(200, retired_entry_json(*r, true)) : error_reply(r.error());
    }
    if (seg.size() == 4 && m == "DELETE") {
      auto st = (*h)->remove(seg[3]);
      return st ? reply(200, {{"removed", seg[3]}}) : error_reply(st.error());
    }
    return reply(404, {{"error", "no such endpoint"}});
  }
  if (seg.size() >= 3 && !delivery::valid_queue_id(seg[2])) return reply(400, {{"error", "not a queue id"}});
  if (seg.size() == 3 && m == "GET") {
    auto e = store.load(seg[2]);
    return e ? reply(200, queue_entry_json(*e, true)) : error_reply(e.error());
  }
  if (seg.size() == 3 && m == "DELETE") {
    auto st = store.remove(seg[2]);
    return st ? reply(200, {{"removed", seg[2]}}) : error_reply(st.error());
  }
  if (seg.size() == 4 && seg[3] == "retry" && m == "POST") {
    auto st = store.request_retry(seg[2]);
    return st ? reply(202, {{"retry", seg[2]}}) : error_reply(st.error());
  }
  return reply(404, {{"error", "no such endpoint"}});
}

HttpResponse api(AdminContext& ctx, const HttpRequest& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  auto seg = segments(path);  // "api", resource, ...
  const std::string& m = req.method;
  if (seg.size() == 2 && seg[1] == "status" && m == "GET")
    return reply(200, {{"hostname", ctx.live->get()->hostname}, {"version", "0.1.0"}});
  if (seg.size() >= 2 && seg[1] == "queue") return queue_api(ctx, seg, m);
  if (!ctx.directory) return reply(503, {{"error", "no directory"}});
  auto& d = *ctx.directory;
  if (auto pgp = pgp_key_api(ctx, seg, req)) return std::move(*pgp);  // its PUT takes a key, not only JSON
  json body;
  if (!req.body.empty()) {
    body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return reply(400, {{"error", "the body must be a JSON object"}});
  }
  auto str = [&](const char* k) { return body.contains(k) && body[k].is_string() ? body[k].get<std::string>() : ""; };
  auto num = [&](const char* k) -> uint64_t {
    return body.contains(k) && body[k].is_number_unsigned() ? body[k].get<uint64_t>() : 0;
  };
  auto list = [&](const char* k) {
    std::vector<std::string> out;
    if (body.contains(k) && body[k].is_array())
      for (auto& v : body[k])
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
  };

  if (seg.size() >= 2 && seg[1] == "accounts") {
    if (seg.size() == 2 && m == "GET") {
      auto r = d.list_accounts();
      if (!r) return error_reply(r.error());
      quota::Meter meter(ctx.config.data_dir, ctx.registry, ctx.spool);
      json out = json::array();
      for (auto& a : *r) {
        auto used = meter.account_bytes(d, a.id);
        if (!used) return error_reply(used.error());
        json j = to_json(a);
        j["used"] = *used;
        out.push_back(std::move(j));
      }
      return reply(200, out);
    }
    if (seg.size() == 2 && m == "POST") {
      auto r = d.add_account(str("name"), num("quota"));
      return r ? reply(201, to_json(*r)) : error_reply(r.error());
    }
    if (seg.size() == 4 && seg[3] == "quota" && m == "PUT") {
      auto a = d.find_account(seg[2]);
      if (!a) return error_reply(a.error());
      auto st = d.set_account_quota(a->id, num("bytes"));
      return st ? reply(200, {{"name", a->name}, {"quota", num("bytes")}}) : error_reply(st.error());
    }
  }
  if (seg.size() >= 2 && seg[1] == "domains") {
    if (seg.size() == 2 && m == "GET") {
      auto r = d.list_domains();
      if (!r) return error_reply(r.error());
      json out = json::array();
      for (auto& dom : *r) {
        auto a = d.get_account(dom.account_id);
        out.push_back(to_json(dom, a ? a->name : ""));
      }
      return reply(200, out);
    }
    if (seg.size() == 2 && m == "POST") {
      std::string name = str("name"), owner = str("account").empty() ? str("name") : str("account");
      auto a = d.find_account(owner);
      if (!a && a.error().code == Errc::not_found) a = d.add_account(owner, 0);
      if (!a) return error_reply(a.error());
      directory::NewDomain nd;
      nd.name = name;
      nd.account_id = a->id;
      if (num("quota") > 0) nd.quota_bytes = num("quota");
      auto r = d.add_domain(nd);
      return r ? reply(201, to_json(*r, a->name)) : error_reply(r.error());
    }
    if (seg.size() == 4 && seg[3] == "retention" && m == "PUT") {
      auto dom = d.find_domain(seg[2]);
      if (!dom) return error_reply(dom.error());
      int days = static_cast<int>(std::min<uint64_t>(num("days"), 1u << 30));
      auto st = d.set_retention_days(dom->id, days);
      return st ? reply(200, {{"name", dom->name}, {"retention_days", days}}) : error_reply(st.error());
    }
    if (seg.size() == 3 && m == "DELETE") {
      auto st = remove_domain(d, ctx.config.data_dir, seg[2], query_param(req.target, "with_aliases") == "1");
      return st ? reply(200, {{"removed", seg[2]}}) : error_reply(st.error());
    }
  }
  if (seg.size() >= 2 && seg[1] == "aliases") {
    if (seg.size() == 2 && m == "GET") {
      std::string domain = query_param(req.target, "domain");
      Result<std::vector<directory::Alias>> r = std::vector<directory::Alias>{};
      if (domain.empty()) {
        r = d.list_aliases();
      } else {
        auto dom = d.find_domain(domain);
        if (!dom) return error_reply(dom.error());
        r = d.list_aliases(dom->id);
      }
      if (!r) return error_reply(r.error());
      json out = json::array();
      for (auto& a : *r) out.push_back(to_json(a));
      return reply(200, out);
    }
    if (seg.size() == 2 && m == "POST") {
      directory::NewAlias na;
      na.address = str("address");
      na.mailbox = body.contains("mailbox") && body["mailbox"].is_boolean() && body["mailbox"].get<bool>();
      na.forwards = list("forwards");
      na.webhooks = list("webhooks");
      if (num("quota") > 0) na.quota_bytes = num("quota");
      auto r = create_alias(d, ctx.config.data_dir, na);
      if (!r) return error_reply(r.error());
      json out = to_json(r->alias);
      if (r->password) out["password"] = secret_text(*r->password);
      return reply(201, out);
    }
    if (seg.size() == 3 && m == "DELETE") {
      end_sessions(ctx, seg[2]);
      auto st = remove_alias(d, ctx.config.data_dir, seg[2]);
      return st ? reply(200, {{"removed", seg[2]}}) : error_reply(st.error());
    }
    if (seg.size() == 4 && seg[3] == "backups" && m == "GET") {
      auto backups = ctx.live->get()->backups;
      if (!backups) return reply(409, {{"error", "no backup target is configured"}});
      auto found = find_alias_mailbox(d, ctx.config.data_dir, seg[2]);
      if (!found) return error_reply(found.error());
      auto list = backups->list(found->alias.mailbox_id);
      if (!list) return error_reply(list.error());
      json out = json::array();
      for (const auto& b : *list)
        out.push_back({{"time", b.time}, {"bytes", b.bytes}, {"content_sha256", b.content_sha256}});
      return reply(200, {{"address", seg[2]}, {"backups", out}});
    }
    if (seg.size() == 4 && seg[3] == "backup" && m == "POST") {
      // A backup on request (issue 10). The key is in memory only while a session of the owner
      // holds the mailbox open; otherwise the request must bring the password.
      auto backups = ctx.live->get()->backups;
      if (!backups) return reply(409, {{"error", "no backup target is configured"}});
      auto found = find_alias_mailbox(d, ctx.config.data_dir, seg[2]);
      if (!found) return error_reply(found.error());
      std::shared_ptr<store::Mailbox> mailbox;
      if (ctx.registry) mailbox = ctx.registry->find(found->alias.mailbox_id);
      if (!mailbox) {
        if (!body.contains("password") || !body["password"].is_string())
          return reply(409, {{"error",
                              "the mailbox is closed (its key is in memory only while its owner is logged "
                              "in): give \"password\""}});
        auto& s = body["password"].get_ref<std::string&>();
        auto password = crypto::SecretBuffer::from(s);
        crypto::wipe(s.data(), s.size());
        auto opened = open_alias_mailbox(d, ctx.config.data_dir, seg[2], password);
        if (!opened) return error_reply(opened.error());
        mailbox = std::move(*opened);
      }
      auto r = backups->run(*mailbox, found->alias.mailbox_id);
      if (!r) return error_reply(r.error());
      return reply(200, {{"address", seg[2]},
                         {"uploaded", r->uploaded},
                         {"time", r->latest.time},
                         {"bytes", r->latest.bytes},
                         {"removed", r->removed}});
    }
    if (seg.size() == 4 && seg[3] == "password" && m == "POST") {
      bool reset = body.contains("reset") && body["reset"].is_boolean() && body["reset"].get<bool>();
      std::optional<crypto::SecretBuffer> current;
      if (body.contains("current_password") && body["current_password"].is_string()) {
        auto& s = body["current_password"].get_ref<std::string&>();
        current = crypto::SecretBuffer::from(s);
        crypto::wipe(s.data(), s.size());
      }
      end_sessions(ctx, seg[2]);
      auto p = change_alias_password(d, ctx.config.data_dir, seg[2], current ? &*current : nullptr,
                                     reset ? PasswordChange::reset : PasswordChange::rekey);
      if (!p) return error_reply(p.error());
      return reply(200, {{"address", seg[2]}, {"password", secret_text(*p)}});
    }
  }
  return reply(404, {{"error", "no such endpoint"}});
}

}  // namespace

namespace {

// A coroutine function, not a capturing coroutine lambda (see core/runtime.h).
net::asio::awaitable<HttpResponse> handle(std::shared_ptr<AdminContext> context, HttpRequest req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  if (path == "/healthz") co_return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
  if (path == "/metrics")
    co_return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics::global().render()};
  if (is_wkd_path(path)) {
    // Web Key Directory (issue 9): public, no token; the directory blocks, so on the worker pool.
    auto work = [context, req = std::move(req)] { return wkd_response(*context, req); };
    auto done = context->runtime->blocking(std::move(work));
    co_return co_await std::move(done);
  }
  if (path.rfind("/api/", 0) == 0 || path == "/api") {
    auto live = context->live->get();
    auto& throttle = *live->token_throttle;
    auto verdict = throttle.check("", req.client_ip);
    if (verdict.locked) {
      auto r = reply(429, {{"error", "too many failed attempts; try again later"}});
      r.retry_after_seconds = static_cast<int>(std::chrono::ceil<std::chrono::seconds>(verdict.retry_after).count());
      co_return r;
    }
    if (!authorized(*context, req.authorization)) {
      metrics::global()
          .counter("sealmail_admin_auth_failures_total", "Admin API requests refused for their token.")
          .add();
      throttle.record_failure("", req.client_ip);
      if (verdict.delay.count() > 0) {
        // The growing delay of a client that keeps failing: answered late, on a timer (no thread waits).
        net::asio::steady_timer timer(co_await net::asio::this_coro::executor, verdict.delay);
        auto wait = timer.async_wait(net::asio::use_awaitable);
        co_await std::move(wait);
      }
      co_return reply(401, {{"error", "missing or wrong bearer token"}});
    }
    auto& calls = metrics::global().counter("sealmail_admin_api_calls_total", "Admin API calls.");
    calls.add();
    auto work = [context, req = std::move(req)] { return api(*context, req); };
    auto done = context->runtime->blocking(std::move(work));
    co_return co_await std::move(done);
  }
  co_return HttpResponse{404, "text/plain; charset=utf-8", "not found\n"};
}

}  // namespace

std::shared_ptr<directory::LoginThrottle> make_token_throttle(const Limits& limits, directory::RateLimiter& limiter) {
  auto ip = directory::LoginPolicy::per_ip();
  ip.lockout_failures = limits.failed_logins_per_ip;
  ip.free_failures = std::min(ip.free_failures, ip.lockout_failures > 1 ? ip.lockout_failures - 1 : 0);
  auto address = directory::LoginPolicy::per_address();
  address.lockout_failures = limits.failed_logins_per_address;
  address.free_failures =
      std::min(address.free_failures, address.lockout_failures > 1 ? address.lockout_failures - 1 : 0);
  return std::make_shared<directory::LoginThrottle>(limiter, address, ip);
}

HttpHandler make_admin_handler(std::shared_ptr<AdminContext> context) {
  return [context](HttpRequest req) { return handle(context, std::move(req)); };
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
    if (token.size() < 32)
      return make_error(Errc::invalid_argument, "admin token file " + file.string() + " is too short");
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

#include "admin/admin_api.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "admin/mail_admin.h"
#include "admin/mailbox_access.h"
#include "admin/pgp_key_api.h"
#include "admin/queue_commands.h"
#include "admin/web/ui.h"
#include "core/fs.h"
#include "core/hex.h"
#include "core/metrics.h"
#include "quota/usage.h"
#include "store/portability.h"

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

// One API call: the route's {parameters} in order, and the JSON body (an object, or empty).
struct Call {
  AdminContext& ctx;
  const HttpRequest& req;
  std::vector<std::string> params;
  json body;

  directory::Directory& dir() const { return *ctx.directory; }
  const std::string& param(size_t i) const { return params.at(i); }
  std::string str(const char* k) const {
    return body.contains(k) && body[k].is_string() ? body[k].get<std::string>() : "";
  }
  uint64_t num(const char* k) const {
    return body.contains(k) && body[k].is_number_unsigned() ? body[k].get<uint64_t>() : 0;
  }
  bool flag(const char* k) const { return body.contains(k) && body[k].is_boolean() && body[k].get<bool>(); }
  std::vector<std::string> list(const char* k) const {
    std::vector<std::string> out;
    if (body.contains(k) && body[k].is_array())
      for (auto& v : body[k])
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
  }
  // A password field, moved into locked memory and wiped from the parsed body.
  std::optional<crypto::SecretBuffer> secret(const char* k) {
    if (!body.contains(k) || !body[k].is_string()) return std::nullopt;
    auto& s = body[k].get_ref<std::string&>();
    auto out = crypto::SecretBuffer::from(s);
    crypto::wipe(s.data(), s.size());
    return out;
  }
};

HttpResponse no_endpoint() { return reply(404, {{"error", "no such endpoint"}}); }

// ---- status and queue (the queue as `sealmail queue`, queue_commands.h: the same files, the same answers)

HttpResponse get_status(Call& c) {
  return reply(200, {{"hostname", c.ctx.live->get()->hostname}, {"version", "0.1.0"}});
}

HttpResponse list_queue(Call& c) {
  auto q = open_queue(c.ctx.config.data_dir);
  if (!q) return error_reply(q.error());
  json out = json::array();
  for (const auto& id : (*q)->ids()) {
    auto e = (*q)->load(id);
    if (e) out.push_back(queue_entry_json(*e, false));
  }
  return reply(200, out);
}

HttpResponse queue_entry(Call& c) {
  if (!delivery::valid_queue_id(c.param(0))) return reply(400, {{"error", "not a queue id"}});
  auto q = open_queue(c.ctx.config.data_dir);
  if (!q) return error_reply(q.error());
  auto& id = c.param(0);
  if (c.req.method == "GET") {
    auto e = (*q)->load(id);
    return e ? reply(200, queue_entry_json(*e, true)) : error_reply(e.error());
  }
  if (c.req.method == "DELETE") {
    auto st = (*q)->remove(id);
    return st ? reply(200, {{"removed", id}}) : error_reply(st.error());
  }
  auto st = (*q)->request_retry(id);  // POST .../retry
  return st ? reply(202, {{"retry", id}}) : error_reply(st.error());
}

HttpResponse list_queue_history(Call& c) {
  auto h = open_queue_history(c.ctx.config.data_dir);
  if (!h) return error_reply(h.error());
  json out = json::array();
  for (const auto& id : (*h)->ids())
    if (auto r = (*h)->load(id)) out.push_back(retired_entry_json(*r, false));
  return reply(200, out);
}

HttpResponse queue_history_entry(Call& c) {
  if (!delivery::valid_queue_id(c.param(0))) return reply(400, {{"error", "not a queue id"}});
  auto h = open_queue_history(c.ctx.config.data_dir);
  if (!h) return error_reply(h.error());
  if (c.req.method == "GET") {
    auto r = (*h)->load(c.param(0));
    return r ? reply(200, retired_entry_json(*r, true)) : error_reply(r.error());
  }
  auto st = (*h)->remove(c.param(0));
  return st ? reply(200, {{"removed", c.param(0)}}) : error_reply(st.error());
}

// ---- accounts

HttpResponse list_accounts(Call& c) {
  auto r = c.dir().list_accounts();
  if (!r) return error_reply(r.error());
  quota::Meter meter(c.ctx.config.data_dir, c.ctx.registry, c.ctx.spool);
  json out = json::array();
  for (auto& a : *r) {
    auto used = meter.account_bytes(c.dir(), a.id);
    if (!used) return error_reply(used.error());
    json j = to_json(a);
    j["used"] = *used;
    out.push_back(std::move(j));
  }
  return reply(200, out);
}

HttpResponse add_account(Call& c) {
  auto r = c.dir().add_account(c.str("name"), c.num("quota"));
  return r ? reply(201, to_json(*r)) : error_reply(r.error());
}

HttpResponse set_account_quota(Call& c) {
  auto a = c.dir().find_account(c.param(0));
  if (!a) return error_reply(a.error());
  auto st = c.dir().set_account_quota(a->id, c.num("bytes"));
  return st ? reply(200, {{"name", a->name}, {"quota", c.num("bytes")}}) : error_reply(st.error());
}

HttpResponse new_account_password(Call& c) {
  auto p = generate_account_password(c.dir(), c.param(0));
  if (!p) return error_reply(p.error());
  return reply(200, {{"name", c.param(0)}, {"password", secret_text(*p)}});
}

// ---- domains

HttpResponse list_domains(Call& c) {
  auto r = c.dir().list_domains();
  if (!r) return error_reply(r.error());
  json out = json::array();
  for (auto& dom : *r) {
    auto a = c.dir().get_account(dom.account_id);
    out.push_back(to_json(dom, a ? a->name : ""));
  }
  return reply(200, out);
}

HttpResponse add_domain(Call& c) {
  auto& d = c.dir();
  std::string name = c.str("name"), owner = c.str("account").empty() ? c.str("name") : c.str("account");
  auto a = d.find_account(owner);
  if (!a && a.error().code == Errc::not_found) a = d.add_account(owner, 0);
  if (!a) return error_reply(a.error());
  directory::NewDomain nd;
  nd.name = name;
  nd.account_id = a->id;
  if (c.num("quota") > 0) nd.quota_bytes = c.num("quota");
  auto r = d.add_domain(nd);
  return r ? reply(201, to_json(*r, a->name)) : error_reply(r.error());
}

HttpResponse set_domain_retention(Call& c) {
  auto dom = c.dir().find_domain(c.param(0));
  if (!dom) return error_reply(dom.error());
  int days = static_cast<int>(std::min<uint64_t>(c.num("days"), 1u << 30));
  auto st = c.dir().set_retention_days(dom->id, days);
  return st ? reply(200, {{"name", dom->name}, {"retention_days", days}}) : error_reply(st.error());
}

HttpResponse delete_domain(Call& c) {
  auto st = remove_domain(c.dir(), c.ctx.config.data_dir, c.param(0), query_param(c.req.target, "with_aliases") == "1");
  return st ? reply(200, {{"removed", c.param(0)}}) : error_reply(st.error());
}

// ---- aliases

HttpResponse list_aliases(Call& c) {
  auto& d = c.dir();
  std::string domain = query_param(c.req.target, "domain");
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

HttpResponse add_alias(Call& c) {
  directory::NewAlias na;
  na.address = c.str("address");
  na.mailbox = c.flag("mailbox");
  na.forwards = c.list("forwards");
  na.webhooks = c.list("webhooks");
  if (c.num("quota") > 0) na.quota_bytes = c.num("quota");
  auto r = create_alias(c.dir(), c.ctx.config.data_dir, na);
  if (!r) return error_reply(r.error());
  json out = to_json(r->alias);
  if (r->password) out["password"] = secret_text(*r->password);
  return reply(201, out);
}

// One alias with the bytes its mailbox holds and the quota levels that limit it.
HttpResponse get_alias(Call& c) {
  auto a = c.dir().find_alias(c.param(0));
  if (!a) return error_reply(a.error());
  json out = to_json(*a);
  quota::Meter meter(c.ctx.config.data_dir, c.ctx.registry, c.ctx.spool);
  out["used"] = a->has_mailbox && !a->mailbox_id.empty() ? meter.mailbox_bytes(a->mailbox_id) : 0;
  auto usage = meter.usage(c.dir(), *a);
  if (!usage) return error_reply(usage.error());
  json levels = json::array();
  for (const auto& l : usage->levels) {
    levels.push_back({{"scope", quota::to_string(l.scope)}, {"used", l.used}, {"limit", l.limit}});
  }
  out["quota_levels"] = levels;
  return reply(200, out);
}

HttpResponse delete_alias(Call& c) {
  end_sessions(c.ctx, c.param(0));
  auto st = remove_alias(c.dir(), c.ctx.config.data_dir, c.param(0));
  return st ? reply(200, {{"removed", c.param(0)}}) : error_reply(st.error());
}

HttpResponse set_alias_targets(Call& c) {
  auto a = c.dir().find_alias(c.param(0));
  if (!a) return error_reply(a.error());
  auto st = c.dir().set_targets(a->id, c.list("forwards"), c.list("webhooks"));
  if (!st) return error_reply(st.error());
  auto fresh = c.dir().get_alias(a->id);
  return fresh ? reply(200, to_json(*fresh)) : error_reply(fresh.error());
}

HttpResponse set_alias_quota(Call& c) {
  auto a = c.dir().find_alias(c.param(0));
  if (!a) return error_reply(a.error());
  uint64_t bytes = c.num("bytes");
  auto st = c.dir().set_alias_quota(a->id, bytes > 0 ? std::optional<uint64_t>(bytes) : std::nullopt);
  return st ? reply(200, {{"address", a->address}, {"quota", bytes}}) : error_reply(st.error());
}

HttpResponse list_backups(Call& c) {
  auto backups = c.ctx.live->get()->backups;
  if (!backups) return reply(409, {{"error", "no backup target is configured"}});
  auto found = find_alias_mailbox(c.dir(), c.ctx.config.data_dir, c.param(0));
  if (!found) return error_reply(found.error());
  auto list = backups->list(found->alias.mailbox_id);
  if (!list) return error_reply(list.error());
  json out = json::array();
  for (const auto& b : *list)
    out.push_back({{"time", b.time}, {"bytes", b.bytes}, {"content_sha256", b.content_sha256}});
  return reply(200, {{"address", c.param(0)}, {"backups", out}});
}

// A backup on request (issue 10). The key is in memory only while a session of the owner holds
// the mailbox open; otherwise the request must bring the password.
HttpResponse run_backup(Call& c) {
  auto backups = c.ctx.live->get()->backups;
  if (!backups) return reply(409, {{"error", "no backup target is configured"}});
  auto found = find_alias_mailbox(c.dir(), c.ctx.config.data_dir, c.param(0));
  if (!found) return error_reply(found.error());
  std::shared_ptr<store::Mailbox> mailbox;
  if (c.ctx.registry) mailbox = c.ctx.registry->find(found->alias.mailbox_id);
  if (!mailbox) {
    auto password = c.secret("password");
    if (!password)
      return reply(409, {{"error",
                          "the mailbox is closed (its key is in memory only while its owner is logged "
                          "in): give \"password\""}});
    auto opened = open_alias_mailbox(c.dir(), c.ctx.config.data_dir, c.param(0), *password);
    if (!opened) return error_reply(opened.error());
    mailbox = std::move(*opened);
  }
  auto r = backups->run(*mailbox, found->alias.mailbox_id);
  if (!r) return error_reply(r.error());
  return reply(200, {{"address", c.param(0)},
                     {"uploaded", r->uploaded},
                     {"time", r->latest.time},
                     {"bytes", r->latest.bytes},
                     {"removed", r->removed}});
}

// The latest backup's bytes, as stored: still encrypted with the mailbox key (SQLite3 Multiple
// Ciphers opens it with the alias password).
HttpResponse download_latest_backup(Call& c) {
  auto backups = c.ctx.live->get()->backups;
  if (!backups) return reply(409, {{"error", "no backup target is configured"}});
  auto found = find_alias_mailbox(c.dir(), c.ctx.config.data_dir, c.param(0));
  if (!found) return error_reply(found.error());
  auto work = c.ctx.config.data_dir / "backup-work";
  std::error_code ec;
  std::filesystem::create_directories(work, ec);
  auto dest = work / ("download-" + directory::new_mailbox_id() + ".sqlite");
  auto file = std::make_shared<TemporaryFile>(dest);
  auto got = backups->download(found->alias.mailbox_id, "", dest);
  if (!got) return error_reply(got.error());
  HttpResponse out{200, "application/octet-stream", {}};
  out.body_file = std::move(file);
  out.headers.emplace_back("Content-Disposition", "attachment; filename=\"mailbox-backup.sqlite\"");
  return out;
}

// Take your mail and leave (issue 10): the mailbox as a zip of .eml files encrypted with the alias
// password (AES-256), or as the encrypted SQLite file, in the answer. The password is always needed:
// it checks the caller as a login would, and it is the zip's key.
HttpResponse export_mailbox(Call& c) {
  std::string format = c.str("format").empty() ? "zip" : c.str("format");
  if (format != "zip" && format != "sqlite") return reply(400, {{"error", "format is zip or sqlite"}});
  auto password = c.secret("password");
  if (!password) return reply(400, {{"error", "give \"password\""}});
  auto found = find_alias_mailbox(c.dir(), c.ctx.config.data_dir, c.param(0));
  if (!found) return error_reply(found.error());
  auto login = c.dir().verify_login(c.param(0), *password);
  if (!login) return error_reply(login.error());
  std::shared_ptr<store::Mailbox> mailbox;
  if (c.ctx.registry) mailbox = c.ctx.registry->find(found->alias.mailbox_id);
  if (!mailbox) {
    auto opened = open_alias_mailbox(c.dir(), c.ctx.config.data_dir, c.param(0), *password);
    if (!opened) return error_reply(opened.error());
    mailbox = std::move(*opened);
  }
  auto work = c.ctx.config.data_dir / "backup-work";
  std::error_code ec;
  std::filesystem::create_directories(work, ec);
  auto dest = work / ("export-" + directory::new_mailbox_id() + "." + format);
  auto file = std::make_shared<TemporaryFile>(dest);
  Status made = Status::success();
  if (format == "zip") {
    auto r = store::export_eml_zip(*mailbox, dest, &*password);
    if (!r) made = r.error();
  } else {
    auto r = mailbox->backup_snapshot(dest);
    if (!r) made = r.error();
  }
  if (!made) return error_reply(made.error());
  HttpResponse out{200, format == "zip" ? "application/zip" : "application/octet-stream", {}};
  out.body_file = std::move(file);
  out.headers.emplace_back("Content-Disposition", std::string("attachment; filename=\"mailbox.") +
                                                      (format == "zip" ? "zip" : "sqlite") + "\"");
  return out;
}

HttpResponse change_password(Call& c) {
  auto current = c.secret("current_password");
  end_sessions(c.ctx, c.param(0));
  auto p = change_alias_password(c.dir(), c.ctx.config.data_dir, c.param(0), current ? &*current : nullptr,
                                 c.flag("reset") ? PasswordChange::reset : PasswordChange::rekey);
  if (!p) return error_reply(p.error());
  return reply(200, {{"address", c.param(0)}, {"password", secret_text(*p)}});
}

// An alias's OpenPGP key (issue 9): pgp_key_api.h answers these itself.
HttpResponse pgp_key(Call& c) {
  std::string path = c.req.target.substr(0, c.req.target.find('?'));
  auto answer = pgp_key_api(c.ctx, segments(path), c.req);
  return answer ? std::move(*answer) : no_endpoint();
}

// The API's routes: docs/openapi.yaml documents each (tests/server/test_openapi.py checks that every
// line of this table is there). {x} matches one path segment, percent-decoded.
struct Route {
  const char* method;
  const char* path;
  HttpResponse (*handler)(Call&);
  bool needs_directory;
  bool json_body = true;  // false: the handler reads the body as it is (a PUT pgp-key may be the key itself)
};
constexpr Route kRoutes[] = {
    {"GET", "/api/status", get_status, false},
    {"GET", "/api/queue", list_queue, false},
    {"GET", "/api/queue/history", list_queue_history, false},
    {"GET", "/api/queue/history/{id}", queue_history_entry, false},
    {"DELETE", "/api/queue/history/{id}", queue_history_entry, false},
    {"GET", "/api/queue/{id}", queue_entry, false},
    {"DELETE", "/api/queue/{id}", queue_entry, false},
    {"POST", "/api/queue/{id}/retry", queue_entry, false},
    {"GET", "/api/accounts", list_accounts, true},
    {"POST", "/api/accounts", add_account, true},
    {"PUT", "/api/accounts/{name}/quota", set_account_quota, true},
    {"POST", "/api/accounts/{name}/password", new_account_password, true},
    {"GET", "/api/domains", list_domains, true},
    {"POST", "/api/domains", add_domain, true},
    {"PUT", "/api/domains/{name}/retention", set_domain_retention, true},
    {"DELETE", "/api/domains/{name}", delete_domain, true},
    {"GET", "/api/aliases", list_aliases, true},
    {"POST", "/api/aliases", add_alias, true},
    {"GET", "/api/aliases/{address}", get_alias, true},
    {"DELETE", "/api/aliases/{address}", delete_alias, true},
    {"PUT", "/api/aliases/{address}/targets", set_alias_targets, true},
    {"PUT", "/api/aliases/{address}/quota", set_alias_quota, true},
    {"POST", "/api/aliases/{address}/password", change_password, true},
    {"GET", "/api/aliases/{address}/backups", list_backups, true},
    {"GET", "/api/aliases/{address}/backups/latest", download_latest_backup, true},
    {"POST", "/api/aliases/{address}/backup", run_backup, true},
    {"POST", "/api/aliases/{address}/export", export_mailbox, true},
    {"GET", "/api/aliases/{address}/pgp-key", pgp_key, true},
    {"PUT", "/api/aliases/{address}/pgp-key", pgp_key, true, false},
    {"DELETE", "/api/aliases/{address}/pgp-key", pgp_key, true},
    {"POST", "/api/aliases/{address}/pgp-key/wkd-lookup", pgp_key, true},
};

// The route whose pattern matches `seg` (the target's segments, "api" first), with its parameters.
const Route* match(const std::string& method, const std::vector<std::string>& seg, std::vector<std::string>& params) {
  for (const auto& r : kRoutes) {
    if (method != r.method) continue;
    auto pattern = segments(r.path);
    if (pattern.size() != seg.size()) continue;
    std::vector<std::string> got;
    bool ok = true;
    for (size_t i = 0; i < seg.size() && ok; ++i) {
      if (pattern[i].front() == '{')
        ok = !seg[i].empty(), got.push_back(seg[i]);
      else
        ok = pattern[i] == seg[i];
    }
    if (ok) {
      params = std::move(got);
      return &r;
    }
  }
  return nullptr;
}

HttpResponse api(AdminContext& ctx, const HttpRequest& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  std::vector<std::string> params;
  const Route* route = match(req.method, segments(path), params);
  if (!route) return no_endpoint();
  if (route->needs_directory && !ctx.directory) return reply(503, {{"error", "no directory"}});
  Call call{ctx, req, std::move(params), json()};
  if (route->json_body && !req.body.empty()) {
    call.body = json::parse(req.body, nullptr, false);
    if (call.body.is_discarded() || !call.body.is_object())
      return reply(400, {{"error", "the body must be a JSON object"}});
  }
  return route->handler(call);
}

}  // namespace

HttpResponse call_api(AdminContext& context, const HttpRequest& request) { return api(context, request); }

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
  if (web::is_web_path(path)) {
    auto page = web::handle(context, std::move(req));
    co_return co_await std::move(page);
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

#include "admin/web/ui.h"

#include <nlohmann/json.hpp>

#include "admin/web/form.h"
#include "admin/web/html.h"
#include "admin/web/pages.h"
#include "admin/web/sessions.h"
#include "core/metrics.h"
#include "core/wipe.h"

namespace sealmail::admin::web {

namespace {

using nlohmann::json;

constexpr const char* kCookie = "__Host-sealmail";
constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'";
constexpr size_t kMaxTargets = 100;  // forwards or webhooks in one form

void security_headers(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("X-Frame-Options", "DENY");
  // same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with a form POST,
  // and the Origin check needs the real one; other sites still learn nothing.
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
}

HttpResponse html(int status, std::string_view title, std::string_view body, const Session* session) {
  return {status, "text/html; charset=utf-8", page(title, body, session)};
}

HttpResponse message(int status, std::string_view text, const Session* session) {
  return html(status, status >= 400 ? "Error" : "Done", message_body(session, text, status >= 400), session);
}

HttpResponse redirect(const std::string& location) {
  HttpResponse r{303, "text/plain; charset=utf-8", "see " + location + "\n"};
  r.headers.emplace_back("Location", location);
  return r;
}

std::string session_cookie(const std::string& id) {
  return std::string(kCookie) + "=" + id + "; Secure; HttpOnly; SameSite=Strict; Path=/";
}

// A Host header fit to be put back in a URL: a host name or address and an optional port.
bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
          c == ':' || c == '[' || c == ']'))
      return false;
  return true;
}

// Cross-site requests are refused before anything else: the Origin of a POST must be this page's
// own (browsers send it on every form POST; a client that sends none must still bring the token).
bool same_origin(const HttpRequest& req) {
  std::string origin = req.header("origin");
  if (origin.empty()) {
    std::string site = req.header("sec-fetch-site");
    return site.empty() || site == "same-origin" || site == "none";
  }
  return origin == "https://" + req.header("host");
}

// One line per target, or separated by commas or spaces; none when there are too many.
std::optional<std::vector<std::string>> split_targets(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(std::move(cur));
    cur.clear();
  };
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == ',' || c == ' ' || c == '\t')
      flush();
    else
      cur += c;
  }
  flush();
  if (out.size() > kMaxTargets) return std::nullopt;
  return out;
}

struct ApiAnswer {
  int status = 500;
  json body;
  std::string error() const {
    return body.is_object() && body.contains("error") && body["error"].is_string() ? body["error"].get<std::string>()
                                                                                   : "the request failed";
  }
};

// One JSON API call (admin_api.cc), as the CLI would make it; the request and answer texts are
// wiped (they may hold passwords).
ApiAnswer api(AdminContext& ctx, const std::string& method, const std::string& target, const json& body = {}) {
  HttpRequest r;
  r.method = method;
  r.target = target;
  if (!body.is_null()) r.body = body.dump();
  auto resp = call_api(ctx, r);
  sasl::wipe(r.body);
  ApiAnswer a{resp.status, json::parse(resp.body, nullptr, false)};
  sasl::wipe(resp.body);
  return a;
}

std::string alias_target(std::string_view address, std::string_view rest = {}) {
  return "/api/aliases/" + url_encode(address) + std::string(rest);
}

// The alias `address` when this session may manage it: an alias holder only their own, a domain
// owner the aliases of their domains. Anything else is "no such alias", as if it did not exist.
Result<directory::Alias> owned_alias(AdminContext& ctx, const Session& s, std::string_view address) {
  auto nope = [] { return make_error(Errc::not_found, "no such alias"); };
  if (address.empty() || address.size() > 320) return nope();
  auto alias = ctx.directory->find_alias(address);
  if (!alias) return alias.error().code == Errc::not_found ? nope() : alias.error();
  if (s.who.kind == Principal::Kind::alias) return alias->id == s.who.id ? alias : Result<directory::Alias>(nope());
  auto domain = ctx.directory->get_domain(alias->domain_id);
  if (!domain) return domain.error();
  return domain->account_id == s.who.id ? alias : Result<directory::Alias>(nope());
}

int status_of(const Error& e) { return e.code == Errc::not_found ? 404 : e.code == Errc::invalid_argument ? 400 : 500; }

struct Outcome {
  HttpResponse response;
  directory::Duration delay{};  // a failed login is answered late (LoginThrottle)
};

// ---- the pages and actions of a logged-in session

HttpResponse home(AdminContext& ctx, const Session& s) {
  if (s.who.kind == Principal::Kind::alias) return redirect("/account/alias?address=" + url_encode(s.who.name));
  auto domains = ctx.directory->list_domains();
  if (!domains) return message(500, domains.error().message, &s);
  json out = json::array();
  for (const auto& d : *domains) {
    if (d.account_id != s.who.id) continue;
    auto aliases = api(ctx, "GET", "/api/aliases?domain=" + url_encode(d.name));
    if (aliases.status != 200) return message(aliases.status, aliases.error(), &s);
    out.push_back({{"name", d.name}, {"aliases", aliases.body}});
  }
  return html(200, "Your domains", home_body(s, out), &s);
}

HttpResponse alias_page(AdminContext& ctx, const Session& s, const std::string& address) {
  auto alias = owned_alias(ctx, s, address);
  if (!alias) return message(status_of(alias.error()), alias.error().message, &s);
  auto info = api(ctx, "GET", alias_target(alias->address));
  if (info.status != 200) return message(info.status, info.error(), &s);
  json backups = json::object();
  if (alias->has_mailbox) {
    auto b = api(ctx, "GET", alias_target(alias->address, "/backups"));
    backups = b.status == 200 ? b.body : json{{"error", b.error()}};
  }
  auto key = api(ctx, "GET", alias_target(alias->address, "/pgp-key"));
  json pgp_key = key.status == 200 ? key.body : json();
  return html(200, alias->address, alias_body(s, info.body, backups, pgp_key), &s);
}

HttpResponse download_backup(AdminContext& ctx, const Session& s, const std::string& address) {
  auto alias = owned_alias(ctx, s, address);
  if (!alias) return message(status_of(alias.error()), alias.error().message, &s);
  HttpRequest r;
  r.method = "GET";
  r.target = alias_target(alias->address, "/backups/latest");
  auto resp = call_api(ctx, r);
  if (resp.status != 200) {
    ApiAnswer a{resp.status, json::parse(resp.body, nullptr, false)};
    return message(resp.status, a.error(), &s);
  }
  return resp;
}

HttpResponse add_alias(AdminContext& ctx, const Session& s, Form& f) {
  if (s.who.kind != Principal::Kind::account) return message(403, "only a domain owner adds aliases", &s);
  auto domain = ctx.directory->find_domain(f["domain"]);
  if (!domain || domain->account_id != s.who.id) return message(404, "no such domain", &s);
  auto forwards = split_targets(f["forwards"]), webhooks = split_targets(f["webhooks"]);
  if (!forwards || !webhooks) return message(400, "too many forwards or webhooks", &s);
  std::string address = f["local"] + "@" + domain->name;
  auto a =
      api(ctx, "POST", "/api/aliases",
          {{"address", address}, {"mailbox", f["mailbox"] == "1"}, {"forwards", *forwards}, {"webhooks", *webhooks}});
  if (a.status != 201) return message(a.status, a.error(), &s);
  if (!a.body.contains("password"))
    return redirect("/account/alias?address=" + url_encode(a.body["address"].get<std::string>()));
  auto& password = a.body["password"].get_ref<std::string&>();
  auto out =
      html(200, "New alias", secret_body(s, a.body["address"].get<std::string>(), password, "Alias created"), &s);
  sasl::wipe(password);
  return out;
}

HttpResponse set_targets(AdminContext& ctx, const Session& s, Form& f) {
  auto alias = owned_alias(ctx, s, f["address"]);
  if (!alias) return message(status_of(alias.error()), alias.error().message, &s);
  auto forwards = split_targets(f["forwards"]), webhooks = split_targets(f["webhooks"]);
  if (!forwards || !webhooks) return message(400, "too many forwards or webhooks", &s);
  auto a =
      api(ctx, "PUT", alias_target(alias->address, "/targets"), {{"forwards", *forwards}, {"webhooks", *webhooks}});
  if (a.status != 200) return message(a.status, a.error(), &s);
  return redirect("/account/alias?address=" + url_encode(alias->address));
}

HttpResponse set_quota(AdminContext& ctx, const Session& s, Form& f) {
  if (s.who.kind != Principal::Kind::account) return message(403, "only a domain owner sets quotas", &s);
  auto alias = owned_alias(ctx, s, f["address"]);
  if (!alias) return message(status_of(alias.error()), alias.error().message, &s);
  const std::string& text = f["bytes"];
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
    return message(400, "the quota is a number of bytes", &s);
  auto a = api(ctx, "PUT", alias_target(alias->address, "/quota"), {{"bytes", std::stoull(text)}});
  if (a.status != 200) return message(a.status, a.error(), &s);
  return redirect("/account/alias?address=" + url_encode(alias->address));
}

// The stamp of the principal's password hash as the directory has it now; none when the
// principal is gone or has no password any more.
std::optional<std::string> current_credential(AdminContext& ctx, const Principal& who) {
  if (who.kind == Principal::Kind::alias) {
    auto a = ctx.directory->get_alias(who.id);
    if (!a || a->password_hash.empty()) return std::nullopt;
    return credential_stamp(a->password_hash);
  }
  auto hash = ctx.directory->account_password_hash(who.id);
  if (!hash || hash->empty()) return std::nullopt;
  return credential_stamp(*hash);
}

// A new password for an alias. When the alias changes its own password, this session ends with the
// old password like every other, and a new one (new id, new CSRF token) carries on.
HttpResponse new_password(AdminContext& ctx, Session& s, const std::string& session_id, Form& f) {
  auto alias = owned_alias(ctx, s, f["address"]);
  if (!alias) return message(status_of(alias.error()), alias.error().message, &s);
  json body = json::object();
  bool reset = s.who.kind == Principal::Kind::account && f["reset"] == "1";
  if (reset)
    body["reset"] = true;
  else if (!f["current_password"].empty())
    body["current_password"] = f["current_password"];
  auto a = api(ctx, "POST", alias_target(alias->address, "/password"), body);
  if (body.contains("current_password")) sasl::wipe(body["current_password"].get_ref<std::string&>());
  if (a.status != 200) return message(a.status, a.error(), &s);
  std::optional<std::string> renewed_cookie;
  if (s.who.kind == Principal::Kind::alias && s.who.id == alias->id) {
    ctx.web_sessions->remove(session_id);
    Principal who = s.who;
    who.credential = current_credential(ctx, who).value_or("");
    auto [id, renewed] = ctx.web_sessions->create(std::move(who));
    s = renewed;
    renewed_cookie = session_cookie(id);
  }
  auto& password = a.body["password"].get_ref<std::string&>();
  auto out = html(200, "New password", secret_body(s, alias->address, password, "New password"), &s);
  sasl::wipe(password);
  if (renewed_cookie) out.headers.emplace_back("Set-Cookie", *renewed_cookie);
  return out;
}

HttpResponse run_backup(AdminContext& ctx, const Session& s, Form& f) {
  auto alias = owned_alias(ctx, s, f["address"]);
  if (!alias) return message(status_of(alias.error()), alias.error().message, &s);
  json body = json::object();
  if (!f["password"].empty()) body["password"] = f["password"];
  auto a = api(ctx, "POST", alias_target(alias->address, "/backup"), body);
  if (body.contains("password")) sasl::wipe(body["password"].get_ref<std::string&>());
  if (a.status != 200) return message(a.status, a.error(), &s);
  return redirect("/account/alias?address=" + url_encode(alias->address));
}

// The export is the API's answer itself (a file to save), or a page saying why not.
HttpResponse export_mailbox(AdminContext& ctx, const Session& s, Form& f) {
  auto alias = owned_alias(ctx, s, f["address"]);
  if (!alias) return message(status_of(alias.error()), alias.error().message, &s);
  if (f["format"] != "zip" && f["format"] != "sqlite") return message(400, "format is zip or sqlite", &s);
  json body{{"format", f["format"]}, {"password", f["password"]}};
  HttpRequest r;
  r.method = "POST";
  r.target = alias_target(alias->address, "/export");
  r.body = body.dump();
  sasl::wipe(body["password"].get_ref<std::string&>());
  auto resp = call_api(ctx, r);
  sasl::wipe(r.body);
  if (resp.status != 200) {
    ApiAnswer a{resp.status, json::parse(resp.body, nullptr, false)};
    return message(resp.status, a.error(), &s);
  }
  return resp;
}

// An alias's OpenPGP public key (issue 9's PUT/DELETE /api/aliases/{address}/pgp-key).
HttpResponse pgp_key(AdminContext& ctx, const Session& s, Form& f) {
  auto alias = owned_alias(ctx, s, f["address"]);
  if (!alias) return message(status_of(alias.error()), alias.error().message, &s);
  ApiAnswer a;
  if (f["action"] == "remove")
    a = api(ctx, "DELETE", alias_target(alias->address, "/pgp-key"));
  else if (f["action"] == "set")
    a = api(ctx, "PUT", alias_target(alias->address, "/pgp-key"), {{"key", f["key"]}});
  else
    return message(400, "action is set or remove", &s);
  if (a.status != 200) return message(a.status, a.error(), &s);
  return redirect("/account/alias?address=" + url_encode(alias->address));
}

HttpResponse purge(AdminContext& ctx, const Session& s, Form& f, bool& logged_out) {
  auto alias = owned_alias(ctx, s, f["address"]);
  if (!alias) return message(status_of(alias.error()), alias.error().message, &s);
  if (f["confirm"] != alias->address) return message(400, "type the alias's address to confirm", &s);
  auto a = api(ctx, "DELETE", alias_target(alias->address));
  if (a.status != 200) return message(a.status, a.error(), &s);
  ctx.web_sessions->remove_all(Principal::Kind::alias, alias->id);
  logged_out = s.who.kind == Principal::Kind::alias;
  return message(200, "The alias, its mailbox and its backups are deleted.", logged_out ? nullptr : &s);
}

// ---- login

Outcome login(AdminContext& ctx, const HttpRequest& req, Form& f) {
  auto live = ctx.live->get();
  auto& throttle = *live->token_throttle;
  std::string username = f["username"];
  if (username.empty() || username.size() > 320 || f["password"].empty() || f["password"].size() > 1024)
    return {html(400, "Log in", login_body("Give a username and a password."), nullptr)};
  auto verdict = throttle.check(username, req.client_ip);
  if (verdict.locked) {
    auto r = html(429, "Log in", login_body("Too many failed attempts; try again later."), nullptr);
    r.retry_after_seconds = static_cast<int>(std::chrono::ceil<std::chrono::seconds>(verdict.retry_after).count());
    return {r};
  }
  auto password = crypto::SecretBuffer::from(f["password"]);
  sasl::wipe(f["password"]);
  std::optional<Principal> who;
  Error failure = make_error(Errc::wrong_password, "invalid credentials");
  if (username.find('@') != std::string::npos) {
    auto a = ctx.directory->verify_login(username, password);
    if (a)
      who = Principal{Principal::Kind::alias, a->id, a->address, credential_stamp(a->password_hash)};
    else
      failure = a.error();
  } else {
    auto a = ctx.directory->verify_account_login(username, password);
    auto hash = a ? ctx.directory->account_password_hash(a->id) : Result<std::string>(a.error());
    if (hash)
      who = Principal{Principal::Kind::account, a->id, a->name, credential_stamp(*hash)};
    else
      failure = hash.error();
  }
  if (!who) {
    if (failure.code != Errc::wrong_password) return {message(500, "the directory is not available", nullptr)};
    metrics::global().counter("sealmail_web_login_failures_total", "Account web page logins refused.").add();
    throttle.record_failure(username, req.client_ip);
    return {html(403, "Log in", login_body("Invalid credentials."), nullptr), verdict.delay};
  }
  throttle.record_success(username);
  auto [id, session] = ctx.web_sessions->create(std::move(*who));
  auto r = redirect("/account");
  r.headers.emplace_back("Set-Cookie", session_cookie(id));
  return {r};
}

std::string query_address(const HttpRequest& req) {
  size_t q = req.target.find('?');
  if (q == std::string::npos) return {};
  auto f = parse_form(std::string_view(req.target).substr(q + 1));
  if (!f) return {};
  auto it = f->find("address");
  return it == f->end() ? std::string() : it->second;
}

// Everything but the static files, on the worker pool (the directory and the store block).
Outcome serve(AdminContext& ctx, const HttpRequest& req, const std::string& path) {
  if (path == "/" || path == "/account/") return {redirect("/account")};
  if (path == "/account/login" && req.method == "GET") return {html(200, "Log in", login_body(""), nullptr)};
  bool post = req.method == "POST";
  if (!post && req.method != "GET") return {message(405, "method not allowed", nullptr)};
  if (post && !same_origin(req)) return {message(403, "cross-site request refused", nullptr)};
  Form form;
  if (post) {
    auto type = req.header("content-type");
    if (type.rfind("application/x-www-form-urlencoded", 0) != 0) return {message(415, "send an HTML form", nullptr)};
    auto parsed = parse_form(req.body);
    if (!parsed) return {message(400, parsed.error().message, nullptr)};
    form = std::move(*parsed);
  }
  struct Wiper {
    Form& f;
    ~Wiper() { wipe(f); }
  } wiper{form};
  if (path == "/account/login" && post) return login(ctx, req, form);

  auto id = cookie_value(req.header("cookie"), kCookie);
  auto session = id ? ctx.web_sessions->find(*id) : std::nullopt;
  if (!session)
    return {post ? message(403, "your session has ended; log in again", nullptr) : redirect("/account/login")};
  Session& s = *session;
  if (current_credential(ctx, s.who) != s.who.credential) {
    ctx.web_sessions->remove(*id);
    return {post ? message(403, "your password has changed; log in again", nullptr) : redirect("/account/login")};
  }
  if (post) {
    std::string token = form.count("csrf") ? form["csrf"] : req.header("x-csrf-token");
    if (!same_token(token, s.csrf)) {
      metrics::global().counter("sealmail_web_csrf_refused_total", "Account web page requests refused for CSRF.").add();
      return {message(403, "the form has expired; reload the page", &s)};
    }
  }
  if (!post) {
    if (path == "/account") return {home(ctx, s)};
    if (path == "/account/alias") return {alias_page(ctx, s, query_address(req))};
    if (path == "/account/alias/backup") return {download_backup(ctx, s, query_address(req))};
    return {message(404, "no such page", &s)};
  }
  if (path == "/account/logout") {
    ctx.web_sessions->remove(*id);
    auto r = redirect("/account/login");
    r.headers.emplace_back("Set-Cookie",
                           std::string(kCookie) + "=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    return {r};
  }
  if (path == "/account/aliases") return {add_alias(ctx, s, form)};
  if (path == "/account/alias/targets") return {set_targets(ctx, s, form)};
  if (path == "/account/alias/quota") return {set_quota(ctx, s, form)};
  if (path == "/account/alias/password") return {new_password(ctx, s, *id, form)};
  if (path == "/account/alias/backup") return {run_backup(ctx, s, form)};
  if (path == "/account/alias/export") return {export_mailbox(ctx, s, form)};
  if (path == "/account/alias/pgp-key") return {pgp_key(ctx, s, form)};
  if (path == "/account/alias/delete") {
    bool logged_out = false;
    auto r = purge(ctx, s, form, logged_out);
    if (logged_out)
      r.headers.emplace_back("Set-Cookie",
                             std::string(kCookie) + "=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    return {r};
  }
  return {message(404, "no such page", &s)};
}

}  // namespace

bool is_web_path(std::string_view path) { return path == "/" || path == "/account" || path.rfind("/account/", 0) == 0; }

net::asio::awaitable<HttpResponse> handle(std::shared_ptr<AdminContext> context, HttpRequest req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  HttpResponse out;
  bool secure = req.secure;
  if (!secure) {
    // The session cookie is Secure: the page is only served over TLS, on this same port.
    std::string host = req.header("host");
    if (plausible_host(host))
      out = redirect("https://" + host + req.target);
    else
      out = message(400, "use https", nullptr);
    out.status = out.status == 303 ? 308 : out.status;
  } else if (path.rfind("/account/static/", 0) == 0) {
    const Asset* asset = req.method == "GET" ? find_asset(std::string_view(path).substr(16)) : nullptr;
    out = asset ? HttpResponse{200, std::string(asset->content_type), std::string(asset->body)}
                : HttpResponse{404, "text/plain; charset=utf-8", "not found\n"};
  } else if (!context->directory) {
    out = message(503, "no directory", nullptr);
  } else {
    auto work = [context, path, req = std::move(req)] { return serve(*context, req, path); };
    auto done = context->runtime->blocking(std::move(work));
    Outcome o = co_await std::move(done);
    if (o.delay.count() > 0) {
      net::asio::steady_timer timer(co_await net::asio::this_coro::executor, o.delay);
      auto wait = timer.async_wait(net::asio::use_awaitable);
      co_await std::move(wait);
    }
    out = std::move(o.response);
  }
  security_headers(out);
  // HSTS (RFC 6797) on answers over TLS only, as the RFC requires: the browser then never sends
  // this host's session cookie, or anything else, over plain HTTP again.
  if (secure) out.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  co_return out;
}

}  // namespace sealmail::admin::web

#include "admin/web/pages.h"

#include "admin/web/html.h"

namespace sealmail::admin::web {

using nlohmann::json;

namespace {

std::string bytes_text(uint64_t n) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string join_lines(const json& list) {
  std::string out;
  if (!list.is_array()) return out;
  for (const auto& v : list)
    if (v.is_string()) out += (out.empty() ? "" : "\n") + v.get<std::string>();
  return out;
}

std::string text(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}
uint64_t number(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number_unsigned() ? j[key].get<uint64_t>() : 0;
}

std::string address_field(std::string_view address) {
  return "<input type=\"hidden\" name=\"address\" value=\"" + escape(address) + "\">";
}

}  // namespace

std::string login_body(std::string_view message) {
  std::string out;
  if (!message.empty()) out += "<section class=\"error\" id=\"message\">" + escape(message) + "</section>";
  out +=
      "<section><h2>Log in</h2><form method=\"post\" action=\"/account/login\" id=\"login\">"
      "<label>Alias address, or account name for a domain owner<input type=\"text\" name=\"username\" "
      "autocomplete=\"username\" required maxlength=\"320\" autofocus></label>"
      "<label>Password<input type=\"password\" name=\"password\" autocomplete=\"current-password\" required "
      "maxlength=\"1024\"></label><button type=\"submit\">Log in</button></form></section>";
  return out;
}

std::string home_body(const Session& session, const json& domains) {
  std::string out = "<section><h2>Your domains</h2>";
  if (domains.empty()) out += "<p class=\"muted\">This account has no domains yet.</p>";
  std::string options;
  for (const auto& d : domains) {
    std::string name = text(d, "name");
    options += "<option value=\"" + escape(name) + "\">" + escape(name) + "</option>";
    out += "<h3>" + escape(name) +
           "</h3><table class=\"aliases\"><tr><th>Alias</th><th>Mailbox</th><th>Forwards "
           "to</th><th>Webhooks</th><th></th></tr>";
    for (const auto& a : d["aliases"]) {
      std::string address = text(a, "address");
      out += "<tr><td>" + escape(address) + "</td><td>" + (a.value("mailbox", false) ? "yes" : "no") + "</td><td>" +
             escape(join_lines(a["forwards"])) + "</td><td>" + escape(join_lines(a["webhooks"])) +
             "</td><td><a href=\"/account/alias?address=" + url_encode(address) + "\">Manage</a></td></tr>";
    }
    out += "</table>";
  }
  out += "</section>";
  if (!domains.empty()) {
    out += "<section><h2>Add an alias</h2><form method=\"post\" action=\"/account/aliases\" id=\"add-alias\">" +
           csrf_field(session) +
           "<label>Local part (before the @; * for a catch-all)<input type=\"text\" name=\"local\" required "
           "maxlength=\"64\"></label><label>Domain<select name=\"domain\">" +
           options +
           "</select></label><label><input type=\"checkbox\" name=\"mailbox\" value=\"1\" checked> With a "
           "mailbox (a password is generated and shown once)</label>"
           "<label>Forward to (one address per line)<textarea name=\"forwards\" maxlength=\"8192\"></textarea></label>"
           "<label>Webhooks (one URL per line)<textarea name=\"webhooks\" maxlength=\"8192\"></textarea></label>"
           "<button type=\"submit\">Add the alias</button></form></section>";
  }
  return out;
}

std::string alias_body(const Session& session, const json& alias, const json& backups, const json& pgp_key) {
  bool owner = session.who.kind == Principal::Kind::account;
  std::string address = text(alias, "address");
  bool mailbox = alias.value("mailbox", false);
  std::string out = "<section><h2>" + escape(address) + "</h2><table>";
  out += "<tr><th>Mailbox</th><td>" + std::string(mailbox ? "yes" : "no") + "</td></tr>";
  out += "<tr><th>Used</th><td id=\"used\">" + bytes_text(number(alias, "used")) + "</td></tr>";
  for (const auto& l : alias["quota_levels"])
    out += "<tr><th>Quota (" + escape(text(l, "scope")) + ")</th><td>" + bytes_text(number(l, "used")) + " of " +
           bytes_text(number(l, "limit")) + "</td></tr>";
  if (alias["quota_levels"].empty()) out += "<tr><th>Quota</th><td>no limit</td></tr>";
  out += "</table>";
  if (owner) out += "<p><a href=\"/account\">Back to your domains</a></p>";
  out += "</section>";

  out +=
      "<section><h2>Forwarding and webhooks</h2><form method=\"post\" action=\"/account/alias/targets\" "
      "id=\"targets\">" +
      csrf_field(session) + address_field(address) +
      "<label>Forward to (one address per line)<textarea name=\"forwards\" maxlength=\"8192\">" +
      escape(join_lines(alias["forwards"])) +
      "</textarea></label><label>Webhooks (one URL per line)<textarea name=\"webhooks\" maxlength=\"8192\">" +
      escape(join_lines(alias["webhooks"])) +
      "</textarea></label><button type=\"submit\">Save</button></form></section>";

  if (owner) {
    out += "<section><h2>Quota</h2><form method=\"post\" action=\"/account/alias/quota\" id=\"quota\">" +
           csrf_field(session) + address_field(address) +
           "<label>Limit in bytes (0: no limit of its own)<input type=\"number\" name=\"bytes\" min=\"0\" value=\"" +
           std::to_string(number(alias, "quota")) + "\"></label><button type=\"submit\">Set</button></form></section>";
  }

  out += "<section><h2>Password</h2><form method=\"post\" action=\"/account/alias/password\" id=\"password\">" +
         csrf_field(session) + address_field(address) +
         "<p class=\"muted\">A new password is generated and shown once. The password is also the mailbox's key: "
         "the mailbox is re-encrypted with the new one, which needs the current one.</p>"
         "<label>Current password<input type=\"password\" name=\"current_password\" autocomplete=\"current-password\" "
         "maxlength=\"1024\"></label>";
  if (owner && mailbox)
    out +=
        "<label><input type=\"checkbox\" name=\"reset\" value=\"1\"> The current password is lost: delete the "
        "mailbox and start empty</label>";
  out += "<button type=\"submit\">Generate a new password</button></form></section>";

  if (mailbox) {
    out += "<section><h2>Backups</h2>";
    if (backups.contains("error")) {
      out += "<p class=\"muted\" id=\"backups-unavailable\">" + escape(text(backups, "error")) + "</p>";
    } else {
      out += "<table id=\"backups\"><tr><th>Time (UTC)</th><th>Size</th></tr>";
      for (const auto& b : backups["backups"])
        out += "<tr><td>" + escape(text(b, "time")) + "</td><td>" + bytes_text(number(b, "bytes")) + "</td></tr>";
      out += "</table>";
      if (!backups["backups"].empty())
        out += "<p><a id=\"download-backup\" href=\"/account/alias/backup?address=" + url_encode(address) +
               "\">Download the latest backup</a> (still encrypted: it opens with the alias password in any SQLite3 "
               "Multiple Ciphers tool)</p>";
      out += "<form method=\"post\" action=\"/account/alias/backup\" id=\"backup\">" + csrf_field(session) +
             address_field(address) +
             "<label>Password (needed when no mail client is logged in: the key is in memory only then)<input "
             "type=\"password\" name=\"password\" autocomplete=\"current-password\" maxlength=\"1024\"></label>"
             "<button type=\"submit\">Back up now</button></form>";
    }
    out += "</section>";
    out += "<section><h2>Export</h2><form method=\"post\" action=\"/account/alias/export\" id=\"export\">" +
           csrf_field(session) + address_field(address) +
           "<label>Format<select name=\"format\"><option value=\"zip\">a zip of .eml files, encrypted with the "
           "password (AES-256)</option><option value=\"sqlite\">the encrypted mailbox file (SQLite3 Multiple "
           "Ciphers)</option></select></label><label>Password<input type=\"password\" name=\"password\" required "
           "autocomplete=\"current-password\" maxlength=\"1024\"></label><button type=\"submit\">Download</button>"
           "</form></section>";
  }

  // OpenPGP (issue 9): mail to the alias is encrypted to this key before it is stored or forwarded.
  out += "<section><h2>OpenPGP key</h2>";
  if (pgp_key.is_object()) {
    out += "<p id=\"pgp-fingerprint\">Mail is encrypted to <code>" + escape(text(pgp_key, "fingerprint")) + "</code>";
    for (const auto& uid : pgp_key["user_ids"])
      if (uid.is_string()) out += " (" + escape(uid.get<std::string>()) + ")";
    out += ".</p><form method=\"post\" action=\"/account/alias/pgp-key\" id=\"pgp-remove\">" + csrf_field(session) +
           address_field(address) +
           "<input type=\"hidden\" name=\"action\" value=\"remove\"><button type=\"submit\">Remove the "
           "key</button></form>";
  } else {
    out += "<p class=\"muted\" id=\"pgp-none\">No key: mail is kept as it arrives.</p>";
  }
  out += "<form method=\"post\" action=\"/account/alias/pgp-key\" id=\"pgp-set\">" + csrf_field(session) +
         address_field(address) +
         "<input type=\"hidden\" name=\"action\" value=\"set\"><label>Public key (ASCII-armored, with a user id "
         "that is this address)<textarea name=\"key\" required maxlength=\"65536\"></textarea></label>"
         "<button type=\"submit\">Use this key</button></form></section>";

  out +=
      "<section class=\"danger\"><h2>Purge</h2><form method=\"post\" action=\"/account/alias/delete\" id=\"purge\" "
      "data-confirm=\"Delete this alias, its mailbox and its backups? There is no way back.\">" +
      csrf_field(session) + address_field(address) +
      "<label>Type the address to confirm<input type=\"text\" name=\"confirm\" required maxlength=\"320\"></label>"
      "<button type=\"submit\">Delete the alias, its mail and its backups</button></form></section>";
  return out;
}

std::string secret_body(const Session& session, std::string_view address, std::string_view password,
                        std::string_view what) {
  std::string back =
      session.who.kind == Principal::Kind::account ? "/account" : "/account/alias?address=" + url_encode(address);
  return "<section class=\"secret\"><h2>" + escape(what) + "</h2><p>The password of <strong>" + escape(address) +
         "</strong>. It is shown once, here, and hidden after " + std::to_string(kSecretSeconds) +
         " seconds: copy it now. The server keeps only a hash of it.</p><p><code id=\"secret\" data-hide-after=\"" +
         std::to_string(kSecretSeconds) + "\">" + escape(password) +
         "</code> <button type=\"button\" id=\"secret-copy\" hidden>Copy</button></p>"
         "<p id=\"secret-hidden\" hidden>The password is hidden now. If you did not copy it, generate a new one.</p>"
         "<p><a href=\"" +
         escape(back) + "\">Continue</a></p></section>";
}

std::string message_body(const Session* session, std::string_view message, bool error) {
  std::string out =
      "<section" + std::string(error ? " class=\"error\"" : "") + " id=\"message\"><p>" + escape(message) + "</p>";
  out += session ? "<p><a href=\"/account\">Back</a></p>" : "<p><a href=\"/account/login\">Log in</a></p>";
  return out + "</section>";
}

}  // namespace sealmail::admin::web

#include "admin/web/html.h"

namespace sealmail::admin::web {

namespace {

// The password reveal: shown once, hidden after the number of seconds the server put in
// data-hide-after (page.clock in the tests drives this timer), with a copy button that exists only
// when the script runs (without JavaScript the password simply stays until the page is left; the
// page is never cached: Cache-Control no-store).
constexpr std::string_view kScript = R"js('use strict';
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('[data-hide-after]').forEach(function (secret) {
    var seconds = parseInt(secret.getAttribute('data-hide-after'), 10);
    secret.setAttribute('data-hide-at', String(Date.now() + seconds * 1000));  // when, on this page's clock
    var note = document.getElementById(secret.id + '-hidden');
    var copy = document.getElementById(secret.id + '-copy');
    if (copy) {
      copy.hidden = false;
      copy.addEventListener('click', function () {
        if (navigator.clipboard) navigator.clipboard.writeText(secret.textContent).then(function () {
          copy.textContent = 'Copied';
        }, function () { copy.textContent = 'Copy failed: select the text'; });
      });
    }
    setTimeout(function () {
      secret.textContent = '';
      secret.hidden = true;
      if (copy) copy.remove();
      if (note) note.hidden = false;
    }, seconds * 1000);
  });
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  });
});
)js";

constexpr std::string_view kStyle =
    R"css(body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
header { display: flex; align-items: center; gap: 1em; padding: .6em 1.2em; background: #1d2330; color: #fff; }
header h1 { font-size: 1.1em; margin: 0; flex: 1; }
header form { margin: 0; }
main { max-width: 60em; margin: 1.2em auto; padding: 0 1.2em; }
section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: .8em 1.2em; margin-bottom: 1em; }
h2 { font-size: 1.05em; margin: .2em 0 .6em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3em .5em; border-bottom: 1px solid #eef0f3; vertical-align: top; }
label { display: block; margin: .4em 0; }
input[type=text], input[type=password], input[type=number], textarea, select { display: block; width: 100%; max-width: 30em; padding: .3em; box-sizing: border-box; }
textarea { height: 4em; }
button { padding: .35em .9em; cursor: pointer; }
.error { border-color: #d33; background: #fff3f3; }
.secret code { font-size: 1.3em; background: #fff8d6; padding: .2em .4em; user-select: all; }
.danger button { background: #b42318; color: #fff; border: 0; border-radius: 4px; }
.muted { color: #667085; }
)css";

// A sealed envelope; linked from every page so that browsers do not ask for /favicon.ico.
constexpr std::string_view kIcon =
    R"svg(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="1" y="3" width="14" height="10" rx="1" fill="#1d2330"/><path d="M1 4l7 5 7-5" stroke="#fff" fill="none"/></svg>)svg";

constexpr Asset kAssets[] = {
    {"text/javascript; charset=utf-8", kScript},
    {"text/css; charset=utf-8", kStyle},
    {"image/svg+xml", kIcon},
};

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string csrf_field(const Session& session) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(session.csrf) + "\">";
}

std::string page(std::string_view title, std::string_view body, const Session* session) {
  std::string out =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" +
      escape(title) +
      " · sealmail</title><link rel=\"icon\" href=\"/account/static/icon.svg\" type=\"image/svg+xml\">"
      "<link rel=\"stylesheet\" href=\"/account/static/account.css\">"
      "<script src=\"/account/static/account.js\" defer></script></head><body><header><h1>sealmail · My "
      "account</h1>";
  if (session) {
    out += "<span id=\"who\">" + escape(session->who.name) + "</span>";
    out += "<form method=\"post\" action=\"/account/logout\">" + csrf_field(*session) +
           "<button type=\"submit\" id=\"logout\">Log out</button></form>";
  }
  out += "</header><main>";
  out += body;
  out += "</main></body></html>\n";
  return out;
}

const Asset* find_asset(std::string_view name) {
  if (name == "account.js") return &kAssets[0];
  if (name == "account.css") return &kAssets[1];
  if (name == "icon.svg") return &kAssets[2];
  return nullptr;
}

}  // namespace sealmail::admin::web

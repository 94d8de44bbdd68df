#include "smtp/outbound/dsn.h"

#include <cstdio>
#include <ctime>
#include <random>
#include <string_view>

#include "core/time.h"
#include "smtp/outbound/dkim_canon.h"

namespace sealmail::smtp::outbound {

namespace {

constexpr size_t kMaxDiagnostic = 900;  // keeps each field far under RFC 5322's 998 octets
constexpr size_t kMaxField = 300;       // addresses, host names, ENVID

bool ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Untrusted text made safe for a header field: controls become spaces, non-ASCII becomes '?' when
// the field must be ASCII, cut to `max` bytes (on a UTF-8 character boundary), WSP runs squeezed.
std::string clean(std::string_view in, bool allow_utf8, size_t max) {
  std::string out;
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
    if (u >= 0x80 && !allow_utf8) c = '?';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  if (out.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    out.resize(cut);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// "Name: value" folded at spaces so that lines stay within 78 columns where the value allows.
std::string field(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ": ";
  size_t line = out.size();
  size_t pos = 0;
  while (pos < value.size()) {
    size_t sp = value.find(' ', pos + 1);
    std::string_view word = value.substr(pos, sp == std::string_view::npos ? value.size() - pos : sp - pos);
    if (line + word.size() > 78 && line > name.size() + 2 && word.front() == ' ') {
      out += "\r\n\t";
      word.remove_prefix(1);
      line = 1;
    }
    out += word;
    line += word.size();
    pos += (sp == std::string_view::npos ? value.size() - pos : sp - pos);
  }
  return out + "\r\n";
}

// RFC 3464 §2.1.2 address-type: rfc822, or utf-8 for an internationalized address (RFC 6533 §3).
std::string typed_address(std::string_view address, bool utf8) {
  return std::string(ascii(address) ? "rfc822; " : "utf-8; ") + clean(address, utf8, kMaxField);
}

std::string_view header_section(std::string_view message) {
  auto end = message.find("\r\n\r\n");
  return end == std::string_view::npos ? message : message.substr(0, end + 4);
}

std::string make_boundary(const std::vector<std::string_view>& contents) {
  std::random_device rd;
  for (;;) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "=_sealmail_%08x%08x", rd(), rd());
    bool clash = false;
    for (auto c : contents) clash = clash || c.find(buf) != std::string_view::npos;
    if (!clash) return buf;
  }
}

}  // namespace

std::string build_dsn(const DsnRequest& r) {
  std::string original = normalize_line_endings(r.original);
  std::string_view headers = header_section(original);
  bool utf8 = !ascii(headers) || !ascii(r.to);
  for (const auto& rc : r.recipients) utf8 = utf8 || !ascii(rc.final_recipient) || !ascii(rc.original_recipient);
  bool any_failed = false;
  for (const auto& rc : r.recipients) any_failed = any_failed || rc.action == DsnAction::failed;

  // Part 1: for people.
  std::string text;
  text += any_failed ? "Your message could not be delivered to the recipients below.\r\n"
                     : "Your message has not been delivered yet to the recipients below. Delivery is still\r\n"
                       "being tried; you need not send it again.\r\n";
  text += "\r\n";
  for (const auto& rc : r.recipients) {
    text += clean(rc.final_recipient, true, kMaxField) + ": ";
    text += rc.action == DsnAction::failed ? "failed" : "delayed";
    if (rc.will_retry_until != 0 && rc.action == DsnAction::delayed)
      text += ", will be retried until " + rfc5322_date(rc.will_retry_until);
    text += "\r\n";
    if (!rc.diagnostic.empty()) {
      text += "  ";
      if (!rc.remote_mta.empty()) text += clean(rc.remote_mta, false, kMaxField) + " said: ";
      text += clean(rc.diagnostic, false, kMaxDiagnostic) + "\r\n";
    }
  }
  text += "\r\n";
  text +=
      r.return_headers_only ? "The header section of your message is attached.\r\n" : "Your message is attached.\r\n";

  // Part 2: RFC 3464 §2.2 per-message fields, then §2.3 per-recipient fields, blank-line separated.
  std::string status;
  status += field("Reporting-MTA", "dns; " + clean(r.reporting_mta, false, kMaxField));
  if (!r.envelope_id.empty()) status += field("Original-Envelope-Id", clean(r.envelope_id, false, kMaxField));
  if (r.arrival_date != 0) status += field("Arrival-Date", rfc5322_date(r.arrival_date));
  for (const auto& rc : r.recipients) {
    status += "\r\n";
    if (!rc.original_recipient.empty()) {
      // ORCPT keeps its own type ("rfc822;a@b"); an untyped one is an rfc822 address.
      std::string orcpt = clean(rc.original_recipient, utf8, kMaxField);
      status += field("Original-Recipient", orcpt.find(';') != std::string::npos ? orcpt : "rfc822; " + orcpt);
    }
    status += field("Final-Recipient", typed_address(rc.final_recipient, utf8));
    status += field("Action", rc.action == DsnAction::failed ? "failed" : "delayed");
    std::string code = clean(rc.status, false, 16);
    if (code.empty()) code = rc.action == DsnAction::failed ? "5.0.0" : "4.0.0";
    status += field("Status", code);
    if (!rc.remote_mta.empty()) status += field("Remote-MTA", "dns; " + clean(rc.remote_mta, false, kMaxField));
    if (!rc.diagnostic.empty())
      status += field("Diagnostic-Code", "smtp; " + clean(rc.diagnostic, utf8, kMaxDiagnostic));
    if (rc.last_attempt != 0) status += field("Last-Attempt-Date", rfc5322_date(rc.last_attempt));
    if (rc.will_retry_until != 0 && rc.action == DsnAction::delayed)
      status += field("Will-Retry-Until", rfc5322_date(rc.will_retry_until));
  }

  // Part 3: the original, whole or its header section.
  std::string_view returned = r.return_headers_only ? headers : std::string_view(original);
  const char* returned_type = r.return_headers_only ? (utf8 ? "message/global-headers" : "text/rfc822-headers")
                                                    : (utf8 ? "message/global" : "message/rfc822");

  std::string boundary = make_boundary({text, status, returned});
  std::string out;
  out += field("From", "Mail Delivery System <" + clean(r.from, false, kMaxField) + ">");
  out += field("To", "<" + clean(r.to, true, kMaxField) + ">");
  out += field("Subject", any_failed ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)");
  out += field("Date", rfc5322_date(r.now));
  if (!r.message_id.empty()) out += field("Message-ID", clean(r.message_id, false, kMaxField));
  out += field("Auto-Submitted", "auto-replied");
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/report; report-type=";
  out += utf8 ? "global-delivery-status" : "delivery-status";
  out += ";\r\n\tboundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a MIME-encapsulated delivery status notification.\r\n";

  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: " + std::string(ascii(text) ? "7bit" : "8bit") + "\r\n\r\n";
  out += text;

  out += "\r\n--" + boundary + "\r\n";
  out += utf8 ? "Content-Type: message/global-delivery-status\r\n" : "Content-Type: message/delivery-status\r\n";
  if (!ascii(status)) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\n";
  out += status;

  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Type: " + std::string(returned_type) + "\r\n";
  if (!ascii(returned)) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "\r\n";
  out += returned;
  if (!returned.empty() && returned.substr(returned.size() - std::min<size_t>(2, returned.size())) != "\r\n")
    out += "\r\n";
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace sealmail::smtp::outbound

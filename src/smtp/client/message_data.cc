#include "smtp/client/message_data.h"

#include <algorithm>

namespace sealmail::smtp::client {

namespace {
bool high(char c) { return (static_cast<unsigned char>(c) & 0x80) != 0; }
}  // namespace

std::string encode_data(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 8);
  bool line_start = true;
  for (size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (line_start && c == '.') out += '.';  // RFC 5321 §4.5.2 transparency
    if (c == '\r' || c == '\n') {
      // CRLF stays; a bare CR or LF becomes CRLF.
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      out += "\r\n";
      line_start = true;
      continue;
    }
    out += c;
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

bool has_8bit(std::string_view message) { return std::any_of(message.begin(), message.end(), high); }

bool headers_have_8bit(std::string_view message) {
  // The header section ends at the first empty line (CRLF CRLF, or LF LF in a sloppy message).
  size_t end = message.size();
  for (auto sep : {std::string_view("\r\n\r\n"), std::string_view("\n\n")}) {
    auto p = message.find(sep);
    if (p != std::string_view::npos) end = std::min(end, p);
  }
  return has_8bit(message.substr(0, end));
}

bool needs_smtputf8(std::string_view mail_from, const std::vector<std::string>& recipients) {
  if (has_8bit(mail_from)) return true;
  return std::any_of(recipients.begin(), recipients.end(), [](const std::string& r) { return has_8bit(r); });
}

}  // namespace sealmail::smtp::client

#include "smtp/protocol/reply.h"

namespace sealmail::smtp {
namespace {

void append_code(std::string& out, int code) {
  // Reply codes are three digits (RFC 5321 §4.2); anything else is a bug, clamped to a 4yz/5yz.
  if (code < 200 || code > 599) code = 451;
  out += static_cast<char>('0' + code / 100);
  out += static_cast<char>('0' + code / 10 % 10);
  out += static_cast<char>('0' + code % 10);
}

void append_text(std::string& out, std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 && c != '\t') || u == 0x7F ? ' ' : c;
  }
}

void append_line(std::string& out, int code, char sep, std::string_view enhanced, std::string_view text) {
  append_code(out, code);
  if (!enhanced.empty() || !text.empty()) {
    out += sep;
    append_text(out, enhanced);
    if (!enhanced.empty() && !text.empty()) out += ' ';
    append_text(out, text);
  } else if (sep == '-') {
    out += sep;
  }
  out += "\r\n";
}

}  // namespace

std::string reply(int code, std::string_view enhanced, std::string_view text) {
  std::string out;
  out.reserve(8 + enhanced.size() + text.size());
  append_line(out, code, ' ', enhanced, text);
  return out;
}

std::string reply_lines(int code, const std::vector<std::string>& lines) { return reply_lines(code, {}, lines); }

std::string reply_lines(int code, std::string_view enhanced, const std::vector<std::string>& lines) {
  std::string out;
  if (lines.empty()) {
    append_line(out, code, ' ', enhanced, {});
    return out;
  }
  for (size_t i = 0; i < lines.size(); ++i)
    append_line(out, code, i + 1 < lines.size() ? '-' : ' ', enhanced, lines[i]);
  return out;
}

}  // namespace sealmail::smtp

// Content-Transfer-Encoding decoding (transfer_encoding.h).
#include "imap/protocol/transfer_encoding.h"

#include <cstdint>

namespace sealmail::imap {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // RFC 2045 §6.7: readers accept lower case
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string decode_base64(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t bits = 0;
  int nbits = 0;
  for (char c : text) {
    if (c == '=') break;  // padding ends the data
    int v = base64_value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out += static_cast<char>((bits >> nbits) & 0xff);
      bits &= (1u << nbits) - 1;
    }
  }
  return out;
}

std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t lf = text.find('\n', pos);
    size_t end = lf == std::string_view::npos ? text.size() : lf;
    std::string_view line = text.substr(pos, end - pos);
    bool crlf = !line.empty() && line.back() == '\r';
    if (crlf) line.remove_suffix(1);
    // RFC 2045 §6.7 (3): trailing white space on an encoded line is padding, not data.
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    bool soft = !line.empty() && line.back() == '=';
    if (soft) line.remove_suffix(1);
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '=') {
        int hi = i + 1 < line.size() ? hex_value(line[i + 1]) : -1;
        int lo = i + 2 < line.size() ? hex_value(line[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
          out += static_cast<char>(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      out += line[i];
    }
    if (lf != std::string_view::npos && !soft) out += crlf ? "\r\n" : "\n";
    pos = lf == std::string_view::npos ? text.size() : lf + 1;
  }
  return out;
}

std::optional<std::string> decode_transfer_encoding(std::string_view encoding, std::string_view body) {
  if (encoding.empty() || encoding == "7bit" || encoding == "8bit" || encoding == "binary") {
    return std::string(body);
  }
  if (encoding == "base64") return decode_base64(body);
  if (encoding == "quoted-printable") return decode_quoted_printable(body);
  return std::nullopt;
}

}  // namespace sealmail::imap

#include "mime/imap_string.h"

namespace sealmail::mime {

void append_nstring(std::string& out, const char* value) {
  if (value == nullptr) {
    out += "NIL";
    return;
  }
  append_string(out, value);
}

void append_string(std::string& out, std::string_view value) {
  bool quotable = value.size() < 1024;
  for (unsigned char c : value)
    if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) quotable = false;
  if (quotable) {
    out += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
    return;
  }
  out += '{';
  out += std::to_string(value.size());
  out += "}\r\n";
  out += value;
}

bool read_string(std::string_view in, size_t& pos, std::string& out) {
  if (pos >= in.size()) return false;
  if (in[pos] == '"') {
    std::string text;
    for (size_t i = pos + 1; i < in.size(); ++i) {
      char c = in[i];
      if (c == '"') {
        out = std::move(text);
        pos = i + 1;
        return true;
      }
      if (c == '\\' && ++i >= in.size()) return false;
      text += in[i];
    }
    return false;
  }
  if (in[pos] != '{') return false;
  size_t close = in.find("}\r\n", pos);
  if (close == std::string_view::npos || close == pos + 1 || close - pos > 12) return false;
  size_t n = 0;
  for (size_t i = pos + 1; i < close; ++i) {
    if (in[i] < '0' || in[i] > '9') return false;
    n = n * 10 + static_cast<size_t>(in[i] - '0');
  }
  size_t start = close + 3;
  if (n > in.size() - start) return false;
  out = std::string(in.substr(start, n));
  pos = start + n;
  return true;
}

}  // namespace sealmail::mime

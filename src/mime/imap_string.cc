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

}  // namespace sealmail::mime

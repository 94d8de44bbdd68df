#include "smtp/client/extensions.h"

#include <charconv>
#include <string>

namespace sealmail::smtp::client {

Extensions parse_extensions(const Reply& ehlo) {
  Extensions ext;
  for (size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string_view line = ehlo.lines[i];
    auto sp = line.find(' ');
    std::string keyword(line.substr(0, sp));
    for (char& c : keyword) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    std::string_view param = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    if (keyword == "STARTTLS") {
      ext.starttls = true;
    } else if (keyword == "SIZE") {
      ext.size = true;
      uint64_t n = 0;
      auto [p, ec] = std::from_chars(param.data(), param.data() + param.size(), n);
      if (ec == std::errc() && p == param.data() + param.size()) ext.max_size = n;
    } else if (keyword == "8BITMIME") {
      ext.eightbitmime = true;
    } else if (keyword == "SMTPUTF8") {
      ext.smtputf8 = true;
    } else if (keyword == "PIPELINING") {
      ext.pipelining = true;
    }
  }
  return ext;
}

}  // namespace sealmail::smtp::client

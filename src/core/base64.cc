#include "core/base64.h"

#include <array>
#include <cstdint>

namespace sealmail::sasl {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xFF;

constexpr std::array<uint8_t, 256> make_table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = i;
  return t;
}
constexpr std::array<uint8_t, 256> kTable = make_table();

uint8_t value(char c) { return kTable[static_cast<uint8_t>(c)]; }

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16 |
                 static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8 | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  const size_t full = text.size() - (pad ? 4 : 0);  // groups without padding
  for (size_t i = 0; i < full; i += 4) {
    uint8_t a = value(text[i]), b = value(text[i + 1]), c = value(text[i + 2]), d = value(text[i + 3]);
    if ((a | b | c | d) > 63) return std::nullopt;  // kInvalid has the high bits set
    uint32_t v = uint32_t{a} << 18 | uint32_t{b} << 12 | uint32_t{c} << 6 | d;
    out += static_cast<char>(v >> 16);
    out += static_cast<char>((v >> 8) & 0xFF);
    out += static_cast<char>(v & 0xFF);
  }
  if (pad) {
    std::string_view last = text.substr(full);
    uint8_t a = value(last[0]), b = value(last[1]);
    if ((a | b) > 63) return std::nullopt;
    if (pad == 2) {
      // "xx==": one byte; the low 4 bits of the second character are unused and must be zero.
      if ((b & 0x0F) != 0) return std::nullopt;
      out += static_cast<char>(a << 2 | b >> 4);
    } else {
      // "xxx=": two bytes; the low 2 bits of the third character are unused and must be zero.
      uint8_t c = value(last[2]);
      if (c > 63 || (c & 0x03) != 0) return std::nullopt;
      out += static_cast<char>(a << 2 | b >> 4);
      out += static_cast<char>((b & 0x0F) << 4 | c >> 2);
    }
  }
  return out;
}

}  // namespace sealmail::sasl

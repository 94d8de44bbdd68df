// Mailbox names: INBOX and modified UTF-7 (mailbox_name.h).
#include "imap/protocol/mailbox_name.h"

#include <cstdint>
#include <vector>

namespace sealmail::imap {

namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;  // RFC 3501 §5.1.3: "," instead of "/"
  return -1;
}

bool is_direct(unsigned char c) { return c >= 0x20 && c <= 0x7e && c != '&'; }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Decodes one UTF-8 sequence at text[i]; returns the code point and advances i, or nullopt (and
// advances one byte) for an invalid sequence.
std::optional<uint32_t> next_code_point(std::string_view text, size_t& i) {
  auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return std::nullopt;
  }
  if (i + len > text.size()) {
    ++i;
    return std::nullopt;
  }
  for (size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xc0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    ++i;
    return std::nullopt;
  }
  i += len;
  return cp;
}

void flush_utf16(std::string& out, const std::vector<uint16_t>& units) {
  out += '&';
  uint32_t bits = 0;
  int nbits = 0;
  for (uint16_t u : units) {
    bits = (bits << 16) | u;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out += kBase64[(bits >> nbits) & 0x3f];
    }
    bits &= (1u << nbits) - 1;
  }
  if (nbits > 0) out += kBase64[(bits << (6 - nbits)) & 0x3f];
  out += '-';
}

}  // namespace

std::string normalize_inbox(std::string name) {
  if (name.size() == 5) {
    bool inbox = true;
    const char* upper = "INBOX";
    for (size_t i = 0; i < 5; ++i) {
      char c = name[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != upper[i]) inbox = false;
    }
    if (inbox) return "INBOX";
  }
  return name;
}

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (!next_code_point(text, i)) return false;
  }
  return true;
}

std::string encode_mailbox_utf7(std::string_view utf8) {
  std::string out;
  std::vector<uint16_t> units;
  size_t i = 0;
  while (i < utf8.size()) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (is_direct(c) || c == '&') {
      if (!units.empty()) {
        flush_utf16(out, units);
        units.clear();
      }
      out += static_cast<char>(c);
      if (c == '&') out += '-';
      ++i;
      continue;
    }
    uint32_t cp = next_code_point(utf8, i).value_or(0xfffd);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push_back(static_cast<uint16_t>(0xd800 + (cp >> 10)));
      units.push_back(static_cast<uint16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      units.push_back(static_cast<uint16_t>(cp));
    }
  }
  if (!units.empty()) flush_utf16(out, units);
  return out;
}

std::optional<std::string> decode_mailbox_utf7(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_direct(c)) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c != '&') return std::nullopt;  // controls and 8-bit bytes are not modified UTF-7
    ++i;
    if (i < text.size() && text[i] == '-') {
      out += '&';
      ++i;
      continue;
    }
    uint32_t bits = 0;
    int nbits = 0;
    uint32_t high = 0;  // pending high surrogate
    bool any = false;
    while (true) {
      if (i >= text.size()) return std::nullopt;  // unterminated shift
      if (text[i] == '-') {
        ++i;
        break;
      }
      int v = base64_value(text[i]);
      if (v < 0) return std::nullopt;
      ++i;
      bits = (bits << 6) | static_cast<uint32_t>(v);
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        auto unit = static_cast<uint16_t>((bits >> nbits) & 0xffff);
        bits &= (1u << nbits) - 1;
        any = true;
        if (high != 0) {
          if (unit < 0xdc00 || unit > 0xdfff) return std::nullopt;
          append_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
          high = 0;
        } else if (unit >= 0xd800 && unit <= 0xdbff) {
          high = unit;
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          return std::nullopt;
        } else {
          append_utf8(out, unit);
        }
      }
    }
    if (!any || high != 0 || nbits >= 6 || bits != 0) return std::nullopt;
  }
  // Canonical form only (RFC 3501 §5.1.3 forbids encoding printable ASCII; we also refuse split
  // shifts): the name must be exactly what encoding its UTF-8 gives back.
  if (encode_mailbox_utf7(out) != text) return std::nullopt;
  return out;
}

}  // namespace sealmail::imap

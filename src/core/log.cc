#include "core/log.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>

#include "core/hex.h"
#include "core/time.h"

namespace sealmail::log {

namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;

const char* level_name(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "?";
}

// Values are quoted when they hold spaces, quotes or control bytes, so one event stays one line.
void append_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) quote = true;
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

const std::array<uint8_t, 32>& process_hash_key() {
  static const std::array<uint8_t, 32> key = [] {
    std::array<uint8_t, 32> k{};
    RAND_bytes(k.data(), static_cast<int>(k.size()));
    return k;
  }();
  return key;
}
}  // namespace

void set_level(Level level) { g_level = level; }

void write(Level level, std::string_view event,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  if (level < g_level.load()) return;
  std::string line = iso8601_utc(unix_now());
  line += " level=";
  line += level_name(level);
  line += " event=";
  append_value(line, event);
  for (auto& [k, v] : fields) {
    line += ' ';
    line += k;
    line += '=';
    append_value(line, v);
  }
  line += '\n';
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string redact_address(std::string_view address) {
  std::string lower(address);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  uint8_t mac[32];
  unsigned len = 0;
  const auto& key = process_hash_key();
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const uint8_t*>(lower.data()),
       lower.size(), mac, &len);
  return "addr:" + to_hex({mac, 4});
}

}  // namespace sealmail::log

// Structured logging: one line per event, `key=value` pairs. The logger never takes message
// content, passwords or keys; addresses go through redact_address(), which keeps only a short
// keyed hash so that lines about one address can be correlated without naming it.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sealmail::log {

enum class Level { debug, info, warn, error };

void set_level(Level level);
void write(Level level, std::string_view event,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {});
inline void info(std::string_view event,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {}) {
  write(Level::info, event, fields);
}
inline void warn(std::string_view event,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {}) {
  write(Level::warn, event, fields);
}
inline void error(std::string_view event,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {}) {
  write(Level::error, event, fields);
}

// "addr:1f3a9c02": a per-process keyed hash of the lowercased address.
std::string redact_address(std::string_view address);

}  // namespace sealmail::log

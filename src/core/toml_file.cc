#include "core/toml_file.h"

#include <string>

namespace sealmail {

Result<toml::table> parse_toml_file(const std::filesystem::path& file) {
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return make_error(Errc::invalid_argument, "config: " + file.filename().string() + " line " +
                                                  std::to_string(e.source().begin.line) + ": " +
                                                  std::string(e.description()));
  }
}

}  // namespace sealmail

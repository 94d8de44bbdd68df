#include "backup/backup_config.h"

#include <toml++/toml.h>

#include "core/toml_file.h"

namespace sealmail::backup {

namespace {

Error config_error(const std::string& key, const std::string& problem) {
  return make_error(Errc::invalid_argument, "config: " + key + ": " + problem);
}

template <typename T>
Result<T> integer(const toml::node& n, const std::string& key, int64_t min, int64_t max) {
  auto v = n.value<int64_t>();
  if (!v || !n.is_integer()) return config_error(key, "expected a whole number");
  if (*v < min || *v > max)
    return config_error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return static_cast<T>(*v);
}

Result<std::string> text(const toml::node& n, const std::string& key) {
  if (!n.is_string()) return config_error(key, "expected a string");
  return std::string(*n.value<std::string>());
}

}  // namespace

Result<BackupConfig> load_backup_config(const std::optional<std::filesystem::path>& file) {
  BackupConfig c;
  if (!file) return c;
  auto parsed = parse_toml_file(*file);
  if (!parsed) return parsed.error();
  toml::table& root = *parsed;
  if (auto* n = root.get("backup")) {
    if (!n->is_table()) return config_error("backup", "expected a table");
    for (auto& [k, v] : *n->as_table()) {
      std::string name(k.str()), key = "backup." + name;
      if (name == "keep" || name == "interval_seconds" || name == "check_seconds") {
        auto x = integer<uint32_t>(v, key, 1, name == "keep" ? 1000 : 365 * 86400);
        if (!x) return x.error();
        (name == "keep" ? c.keep : name == "interval_seconds" ? c.interval_seconds : c.check_seconds) = *x;
        continue;
      }
      if (name == "ship_seconds" || name == "generation_seconds" || name == "continuous_buffer_mb") {
        auto x = integer<uint32_t>(v, key, 1,
                                   name == "ship_seconds"           ? 3600
                                   : name == "continuous_buffer_mb" ? 4096
                                                                    : 365 * 86400);
        if (!x) return x.error();
        (name == "ship_seconds"         ? c.ship_seconds
         : name == "generation_seconds" ? c.generation_seconds
                                        : c.continuous_buffer_mb) = *x;
        continue;
      }
      if (name == "continuous") {
        if (!v.is_boolean()) return config_error(key, "expected true or false");
        c.continuous = *v.value<bool>();
        continue;
      }
      auto s = text(v, key);
      if (!s) return s.error();
      if (name == "target") {
        if (*s != "" && *s != "folder" && *s != "s3") return config_error(key, "expected \"folder\" or \"s3\"");
        c.target = *s;
      } else if (name == "folder") {
        c.folder = *s;
      } else if (name == "endpoint") {
        if (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0)
          return config_error(key, "expected an http:// or https:// URL");
        c.endpoint = *s;
      } else if (name == "bucket") {
        c.bucket = *s;
      } else if (name == "region") {
        c.region = *s;
      } else if (name == "prefix") {
        c.prefix = *s;
      } else if (name == "credentials_file") {
        c.credentials_file = *s;
      } else {
        return config_error(key, "unknown key");
      }
    }
    if (c.target == "folder" && c.folder.empty()) return config_error("backup.folder", "is required");
    if (c.continuous && c.target.empty()) return config_error("backup.continuous", "needs a target");
    if (c.target == "s3" && (c.endpoint.empty() || c.bucket.empty()))
      return config_error("backup", "target \"s3\" needs endpoint and bucket");
  }
  return c;
}

}  // namespace sealmail::backup

#include "delivery/screening/screening_config.h"

#include <toml++/toml.h>

#include <sstream>

#include "core/toml_file.h"

namespace sealmail::delivery::screening {

namespace {

Error config_error(const std::string& table, const std::string& key, const std::string& problem) {
  return make_error(Errc::invalid_argument, "config: " + table + "." + key + ": " + problem);
}

Result<uint32_t> whole(const toml::node& v, const std::string& table, const std::string& key, int64_t min,
                       int64_t max) {
  auto x = v.value<int64_t>();
  if (!v.is_integer() || !x) return config_error(table, key, "expected a whole number");
  if (*x < min || *x > max)
    return config_error(table, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return static_cast<uint32_t>(*x);
}

Result<bool> boolean(const toml::node& v, const std::string& table, const std::string& key) {
  if (!v.is_boolean()) return config_error(table, key, "expected true or false");
  return *v.value<bool>();
}

Result<DnsblZone> zone_of(const toml::node& v) {
  DnsblZone z;
  if (v.is_string()) {
    auto name = check_zone_name(*v.value<std::string>());
    if (!name) return config_error("dnsbl", "zones", name.error().message);
    z.name = *name;
    return z;
  }
  if (!v.is_table()) return config_error("dnsbl", "zones", "each zone is a name or { name = ..., action = ... }");
  for (auto& [k, x] : *v.as_table()) {
    std::string key(k.str());
    if (key == "name") {
      if (!x.is_string()) return config_error("dnsbl", "zones.name", "expected a string");
      auto name = check_zone_name(*x.value<std::string>());
      if (!name) return config_error("dnsbl", "zones.name", name.error().message);
      z.name = *name;
    } else if (key == "action") {
      auto a = x.value<std::string>();
      if (!x.is_string() || (*a != "refuse" && *a != "junk"))
        return config_error("dnsbl", "zones.action", "expected \"refuse\" or \"junk\"");
      z.action = *a == "refuse" ? DnsblAction::refuse : DnsblAction::junk;
    } else if (key == "answers") {
      if (!x.is_array() || x.as_array()->empty())
        return config_error("dnsbl", "zones.answers", "expected a list of addresses or ranges");
      for (auto& one : *x.as_array()) {
        if (!one.is_string()) return config_error("dnsbl", "zones.answers", "expected strings");
        auto r = parse_answer_range(*one.value<std::string>());
        if (!r) return config_error("dnsbl", "zones.answers", r.error().message);
        z.answers.push_back(*r);
      }
    } else {
      return config_error("dnsbl", "zones." + key, "unknown key");
    }
  }
  if (z.name.empty()) return config_error("dnsbl", "zones", "a zone needs a name");
  return z;
}

Status read_dnsbl(const toml::table& t, DnsblConfig& c) {
  for (auto& [k, v] : t) {
    std::string key(k.str());
    if (key == "zones") {
      if (!v.is_array()) return config_error("dnsbl", key, "expected a list of zones");
      for (auto& one : *v.as_array()) {
        auto z = zone_of(one);
        if (!z) return z.error();
        c.zones.push_back(std::move(*z));
      }
      if (c.zones.size() > 16) return config_error("dnsbl", key, "at most 16 zones");
    } else if (key == "check_private_clients") {
      auto b = boolean(v, "dnsbl", key);
      if (!b) return b.error();
      c.check_private_clients = *b;
    } else {
      return config_error("dnsbl", key, "unknown key");
    }
  }
  return {};
}

Status read_greylist(const toml::table& t, GreylistConfig& c) {
  for (auto& [k, v] : t) {
    std::string key(k.str());
    if (key == "enabled" || key == "check_private_clients") {
      auto b = boolean(v, "greylist", key);
      if (!b) return b.error();
      (key == "enabled" ? c.enabled : c.check_private_clients) = *b;
    } else if (key == "delay_seconds") {
      auto x = whole(v, "greylist", key, 0, 86400);
      if (!x) return x.error();
      c.delay_seconds = *x;
    } else if (key == "retry_window_days" || key == "max_age_days") {
      auto x = whole(v, "greylist", key, 1, 3650);
      if (!x) return x.error();
      (key == "retry_window_days" ? c.retry_window_days : c.max_age_days) = *x;
    } else if (key == "clock_file") {
      if (!v.is_string()) return config_error("greylist", key, "expected a string");
      c.clock_file = *v.value<std::string>();
    } else {
      return config_error("greylist", key, "unknown key");
    }
  }
  return {};
}

Status read_rspamd(const toml::table& t, RspamdConfig& c) {
  for (auto& [k, v] : t) {
    std::string key(k.str());
    if (key == "url") {
      if (!v.is_string()) return config_error("rspamd", key, "expected a string");
      c.url = *v.value<std::string>();
      if (!c.url.empty() && c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0)
        return config_error("rspamd", key, "expected an http:// or https:// URL");
      while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
    } else if (key == "timeout_ms") {
      auto x = whole(v, "rspamd", key, 100, 600000);
      if (!x) return x.error();
      c.timeout_ms = *x;
    } else if (key == "unavailable") {
      auto s = v.value<std::string>();
      if (!v.is_string() || (*s != "defer" && *s != "accept"))
        return config_error("rspamd", key, "expected \"defer\" or \"accept\"");
      c.defer_when_unavailable = *s == "defer";
    } else {
      return config_error("rspamd", key, "unknown key");
    }
  }
  return {};
}

Result<ScreeningConfig> from_root(const toml::table& root) {
  ScreeningConfig c;
  struct Section {
    const char* name;
    Status (*read)(const toml::table&, ScreeningConfig&);
  };
  static const Section sections[] = {
      {"dnsbl", [](const toml::table& t, ScreeningConfig& s) { return read_dnsbl(t, s.dnsbl); }},
      {"greylist", [](const toml::table& t, ScreeningConfig& s) { return read_greylist(t, s.greylist); }},
      {"rspamd", [](const toml::table& t, ScreeningConfig& s) { return read_rspamd(t, s.rspamd); }},
  };
  for (const auto& section : sections) {
    auto* n = root.get(section.name);
    if (!n) continue;
    if (!n->is_table())
      return make_error(Errc::invalid_argument, std::string("config: ") + section.name + ": expected a table");
    if (auto st = section.read(*n->as_table(), c); !st) return st.error();
  }
  return c;
}

}  // namespace

Result<ScreeningConfig> parse_screening_config(std::string_view text) {
  try {
    return from_root(toml::parse(text));
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "config: line " << e.source().begin.line << ": " << e.description();
    return make_error(Errc::invalid_argument, msg.str());
  }
}

Result<ScreeningConfig> load_screening_config(const std::optional<std::filesystem::path>& file) {
  if (!file) return ScreeningConfig{};
  auto parsed = parse_toml_file(*file);
  if (!parsed) return parsed.error();
  toml::table& root = *parsed;
  return from_root(root);
}

}  // namespace sealmail::delivery::screening

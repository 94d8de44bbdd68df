#include "admin/protection_commands.h"

#include <cstdio>

#include "admin/mail_admin.h"
#include "delivery/filters/settings.h"

namespace sealmail::admin {

namespace {

namespace filters = delivery::filters;

constexpr const char* kNames[] = {"virus", "executables", "phishing", "spam", "adult", "junk_threshold"};

// A value each name accepts: --unset checks only the name.
const char* sample_value(const std::string& name) {
  if (name == "phishing" || name == "spam" || name == "adult") return "junk";
  if (name == "junk_threshold") return "0.9";
  return "on";
}

std::string value_of(const filters::Protections& p, const std::string& name) {
  if (name == "virus") return p.virus ? "on" : "off";
  if (name == "executables") return p.executables ? "on" : "off";
  if (name == "phishing") return filters::to_string(p.phishing);
  if (name == "spam") return filters::to_string(p.spam);
  if (name == "adult") return filters::to_string(p.adult);
  return filters::format_threshold(p.junk_threshold);
}

struct Change {
  std::string name;
  std::optional<std::string> value;  // none: unset (inherit)
};

// "--set name=value" and "--unset name", checked before anything is written.
Result<std::vector<Change>> parse_changes(const std::vector<std::string>& sets,
                                          const std::vector<std::string>& unsets) {
  std::vector<Change> out;
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos) return make_error(Errc::invalid_argument, "--set expects name=value, got '" + s + "'");
    std::string name = s.substr(0, eq), value = s.substr(eq + 1);
    SEALMAIL_TRY(filters::check_setting(name, value));
    out.push_back({name, value});
  }
  for (const auto& name : unsets) {
    // Any value is fine for the check: only the name matters.
    auto known = filters::check_setting(name, sample_value(name));
    if (!known) return known.error();
    out.push_back({name, std::nullopt});
  }
  return out;
}

// One line per protection: "phishing  refuse  (alias)".
void print(const filters::SettingMap& domain, const filters::SettingMap* alias) {
  filters::Protections p = filters::effective(domain, alias ? *alias : filters::SettingMap{});
  for (const char* name : kNames) {
    std::string value = value_of(p, name);
    const char* source = alias && alias->count(name) ? "alias" : domain.count(name) ? "domain" : "default";
    std::printf("%-12s %-7s (%s)\n", name, value.c_str(), source);
  }
  // The sender checks (issue 9, delivery/screening/screener.h): on unless set off; they only act
  // where [dnsbl], [greylist] or [rspamd] is configured.
  for (const char* name : {"dnsbl", "greylist", "rspamd"}) {
    const char* source = alias && alias->count(name) ? "alias" : domain.count(name) ? "domain" : "default";
    std::string value = source == std::string("alias")    ? alias->at(name)
                        : source == std::string("domain") ? domain.at(name)
                                                          : "on";
    std::printf("%-12s %-7s (%s)\n", name, value.c_str(), source);
  }
}

template <typename F>
void with_directory(const std::string& data_dir, int& exit_code, F&& fn) {
  auto dir = open_directory(data_dir);
  Status st = dir ? fn(**dir) : Status(dir.error());
  if (!st) {
    std::fprintf(stderr, "sealmail: %s\n", st.error().message.c_str());
    exit_code = 1;
  }
}

}  // namespace

void add_protection_commands(CLI::App& app, std::string& data_dir, int& exit_code) {
  const char* help =
      "show or set content protections: virus=on|off, executables=on|off, phishing=refuse|junk|off, "
      "spam=refuse|junk|off, adult=refuse|junk|off, junk_threshold=0..1, dnsbl=on|off, greylist=on|off, rspamd=on|off";
  {
    auto* cmd = app.get_subcommand("domain")->add_subcommand("protections", help);
    auto name = std::make_shared<std::string>();
    auto sets = std::make_shared<std::vector<std::string>>();
    auto unsets = std::make_shared<std::vector<std::string>>();
    cmd->add_option("name", *name, "the domain")->required();
    cmd->add_option("--set", *sets, "name=value (repeatable)");
    cmd->add_option("--unset", *unsets, "back to the default (repeatable)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto changes = parse_changes(*sets, *unsets);
        if (!changes) return changes.error();
        auto dom = d.find_domain(*name);
        if (!dom) return dom.error();
        for (auto& c : *changes) SEALMAIL_TRY(d.set_domain_protection(dom->id, c.name, c.value));
        auto settings = d.domain_protections(dom->id);
        if (!settings) return settings.error();
        print(*settings, nullptr);
        return {};
      });
    });
  }
  {
    auto* cmd = app.get_subcommand("alias")->add_subcommand("protections", help);
    auto address = std::make_shared<std::string>();
    auto sets = std::make_shared<std::vector<std::string>>();
    auto unsets = std::make_shared<std::vector<std::string>>();
    cmd->add_option("address", *address, "the alias as entered (local@domain, *@domain, /regex/@domain)")->required();
    cmd->add_option("--set", *sets, "name=value (repeatable)");
    cmd->add_option("--unset", *unsets, "back to the domain's choice (repeatable)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_directory(data_dir, exit_code, [&](directory::Directory& d) -> Status {
        auto changes = parse_changes(*sets, *unsets);
        if (!changes) return changes.error();
        auto alias = d.find_alias(*address);
        if (!alias) return alias.error();
        for (auto& c : *changes) SEALMAIL_TRY(d.set_alias_protection(alias->id, c.name, c.value));
        auto domain_settings = d.domain_protections(alias->domain_id);
        if (!domain_settings) return domain_settings.error();
        auto alias_settings = d.alias_protections(alias->id);
        if (!alias_settings) return alias_settings.error();
        print(*domain_settings, &*alias_settings);
        return {};
      });
    });
  }
}

}  // namespace sealmail::admin

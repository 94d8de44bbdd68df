#include "admin/backup_commands.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "admin/mail_admin.h"
#include "admin/mailbox_access.h"
#include "admin/secrets_input.h"

namespace sealmail::admin {

namespace {

constexpr const char* kPasswordEnv = "SEALMAIL_PASSWORD";

int report(const Error& e) {
  std::fprintf(stderr, "sealmail: %s\n", e.message.c_str());
  return 1;
}

struct Args {
  std::string address;
  std::string password_file;
};

void add_address(CLI::App* cmd, Args& a, bool password) {
  cmd->add_option("address", a.address, "the alias, e.g. hello@example.com")->required();
  if (password)
    cmd->add_option("--password-file", a.password_file,
                    std::string("file whose first line is the alias password (default: $") + kPasswordEnv + ")");
}

// Runs `fn(directory, service)` with both opened from the data directory.
template <typename F>
void with_backups(const std::string& data_dir, int& exit_code, F&& fn) {
  auto dir = open_directory(data_dir);
  if (!dir) return void(exit_code = report(dir.error()));
  auto config = data_dir_backup_config(data_dir);
  if (!config) return void(exit_code = report(config.error()));
  auto service = backup::Service::create(*config, data_dir);
  if (!service) return void(exit_code = report(service.error()));
  Status st = fn(**dir, **service);
  if (!st) exit_code = report(st.error());
}

}  // namespace

void add_backup_commands(CLI::App& app, std::string& data_dir, int& exit_code) {
  auto* backup = app.add_subcommand("backup", "an alias's encrypted backups in the configured target");
  backup->require_subcommand(1);
  {
    auto* cmd = backup->add_subcommand("list", "list the backups of an alias's mailbox, oldest first");
    auto a = std::make_shared<Args>();
    add_address(cmd, *a, false);
    cmd->callback([=, &data_dir, &exit_code] {
      with_backups(data_dir, exit_code, [&](directory::Directory& d, backup::Service& s) -> Status {
        auto found = find_alias_mailbox(d, data_dir, a->address);
        if (!found) return found.error();
        auto list = s.list(found->alias.mailbox_id);
        if (!list) return list.error();
        std::printf("%-20s %12s  %-64s\n", "TIME", "BYTES", "CONTENT-SHA256");
        for (const auto& b : *list)
          std::printf("%-20s %12llu  %-64s\n", b.time.c_str(), static_cast<unsigned long long>(b.bytes),
                      b.content_sha256.c_str());
        return {};
      });
    });
  }
  {
    auto* cmd = backup->add_subcommand("run", "back up now (uploads only when the mailbox changed)");
    auto a = std::make_shared<Args>();
    add_address(cmd, *a, true);
    cmd->callback([=, &data_dir, &exit_code] {
      with_backups(data_dir, exit_code, [&](directory::Directory& d, backup::Service& s) -> Status {
        auto password = read_password(a->password_file, kPasswordEnv);
        if (!password) return password.error();
        auto mailbox = open_alias_mailbox(d, data_dir, a->address, *password);
        if (!mailbox) return mailbox.error();
        auto found = find_alias_mailbox(d, data_dir, a->address);
        if (!found) return found.error();
        auto r = s.run(**mailbox, found->alias.mailbox_id);
        if (!r) return r.error();
        std::printf("%s %s %llu bytes", r->uploaded ? "uploaded" : "unchanged", r->latest.time.c_str(),
                    static_cast<unsigned long long>(r->latest.bytes));
        if (r->removed > 0) std::printf(", removed %zu older", r->removed);
        std::printf("\n");
        return {};
      });
    });
  }
  {
    auto* cmd = backup->add_subcommand(
        "download", "download a backup: the encrypted SQLite file, which opens with the alias password");
    auto a = std::make_shared<Args>();
    auto which = std::make_shared<std::string>();
    auto to = std::make_shared<std::string>();
    add_address(cmd, *a, false);
    cmd->add_option("--to", *to, "the file to write")->required();
    cmd->add_option("--time", *which, "which backup (a TIME from backup list; default the latest)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_backups(data_dir, exit_code, [&](directory::Directory& d, backup::Service& s) -> Status {
        auto found = find_alias_mailbox(d, data_dir, a->address);
        if (!found) return found.error();
        std::error_code ec;
        if (std::filesystem::exists(*to, ec)) return make_error(Errc::already_exists, *to + " exists");
        auto info = s.download(found->alias.mailbox_id, *which, *to);
        if (!info) return info.error();
        std::printf("%s %s\n", info->time.c_str(), to->c_str());
        return {};
      });
    });
  }
  {
    auto* cmd = backup->add_subcommand(
        "restore", "put a backup back in place of the mailbox (clients resynchronize: new UIDVALIDITY)");
    auto a = std::make_shared<Args>();
    auto which = std::make_shared<std::string>();
    add_address(cmd, *a, true);
    cmd->add_option("--time", *which, "which backup (a TIME from backup list; default the latest)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_backups(data_dir, exit_code, [&](directory::Directory& d, backup::Service& s) -> Status {
        auto password = read_password(a->password_file, kPasswordEnv);
        if (!password) return password.error();
        auto info = restore_alias_mailbox(d, data_dir, a->address, *password, s, *which);
        if (!info) return info.error();
        std::printf("restored %s\n", info->time.c_str());
        return {};
      });
    });
  }

  auto* purge = app.add_subcommand("purge", "delete an alias with its mailbox, its spool and its backups");
  {
    auto a = std::make_shared<Args>();
    auto yes = std::make_shared<bool>(false);
    add_address(purge, *a, false);
    purge->add_flag("--yes", *yes, "do not ask (there is no way back)");
    purge->callback([=, &data_dir, &exit_code] {
      if (!*yes) {
        if (::isatty(STDIN_FILENO) != 1)
          return void(exit_code = report({Errc::invalid_argument, "refusing to purge without --yes"}));
        std::fprintf(stderr, "Delete %s, its mail and its backups for good? Type 'yes': ", a->address.c_str());
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "yes") return void(exit_code = report({Errc::invalid_argument, "not purged"}));
      }
      auto dir = open_directory(data_dir);
      if (!dir) return void(exit_code = report(dir.error()));
      auto config = data_dir_backup_config(data_dir);
      if (!config) return void(exit_code = report(config.error()));
      auto alias = (*dir)->find_alias(a->address);
      if (!alias) return void(exit_code = report(alias.error()));
      // Backups first: should the target be unreachable, nothing is deleted yet and the purge
      // can simply be run again.
      size_t removed = 0;
      if (!config->target.empty()) {
        auto service = backup::Service::create(*config, data_dir);
        if (!service) return void(exit_code = report(service.error()));
        auto n = (*service)->purge(alias->mailbox_id);
        if (!n) return void(exit_code = report(n.error()));
        removed = *n;
      }
      auto st = remove_alias(**dir, data_dir, a->address);
      if (!st) return void(exit_code = report(st.error()));
      std::printf("purged: mailbox, spool and %zu backups\n", removed);
    });
  }
}

}  // namespace sealmail::admin

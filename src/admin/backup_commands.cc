#include "admin/backup_commands.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "admin/mail_admin.h"
#include "admin/mailbox_access.h"
#include "admin/secrets_input.h"
#include "backup/continuous.h"
#include "core/fs.h"

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

// Rebuilds the mailbox as of `at` (backup/continuous.h) into `dest`, then checks the result opens
// with `password` and passes integrity_check before anything relies on it.
Result<backup::PointInTime> rebuild_checked(const std::string& data_dir, const backup::BackupConfig& config,
                                            const std::string& mailbox_id, int64_t at_ms,
                                            const std::filesystem::path& dest, const crypto::SecretBuffer* password) {
  auto target = backup::make_target(config);
  if (!target) return target.error();
  auto r = backup::rebuild_at(**target, config.prefix, mailbox_id, at_ms, dest,
                              std::filesystem::path(data_dir) / "backup-work");
  if (!r) return r.error();
  if (password != nullptr) {
    store::Options options;
    options.create_default_folders = false;
    auto m = store::Mailbox::open(dest, *password, options);
    if (!m) return m.error();
    auto st = (*m)->check();
    if (!st) return make_error(st.error().code, "the rebuilt mailbox failed its check: " + st.error().message);
  }
  return r;
}

std::string describe(const backup::PointInTime& r) {
  return "as of " + backup::iso_time(r.restored_to_ms) + " (generation " + r.generation + ", " +
         std::to_string(r.segments) + " segments, " + std::to_string(r.commits) + " commits, " +
         std::to_string(r.downloaded_bytes) + " bytes downloaded" + (r.gap ? ", stopped at a missing segment" : "") +
         ")";
}

Result<int64_t> point_in_time(const std::string& text) {
  if (text == "latest") return int64_t{4102444800000};  // 2100-01-01: after every commit
  auto t = backup::parse_point_in_time(text);
  if (!t)
    return make_error(Errc::invalid_argument, "--at: expected a UTC time such as 2026-11-24T05:30:00Z, or latest");
  return *t;
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
    auto at = std::make_shared<std::string>();
    cmd->add_option("--at", *at,
                    "continuous protection: the mailbox as of this UTC time (2026-11-24T05:30:00Z, or latest)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_backups(data_dir, exit_code, [&](directory::Directory& d, backup::Service& s) -> Status {
        auto found = find_alias_mailbox(d, data_dir, a->address);
        if (!found) return found.error();
        std::error_code ec;
        if (std::filesystem::exists(*to, ec)) return make_error(Errc::already_exists, *to + " exists");
        if (!at->empty()) {
          auto t = point_in_time(*at);
          if (!t) return t.error();
          auto r = rebuild_checked(data_dir, s.config(), found->alias.mailbox_id, *t, *to, nullptr);
          if (!r) {
            (void)fs::remove_if_exists(*to);
            return r.error();
          }
          std::printf("%s %s\n", describe(*r).c_str(), to->c_str());
          return {};
        }
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
    auto at = std::make_shared<std::string>();
    cmd->add_option("--at", *at,
                    "continuous protection: put back the mailbox as of this UTC time (2026-11-24T05:30:00Z, or "
                    "latest)");
    cmd->callback([=, &data_dir, &exit_code] {
      with_backups(data_dir, exit_code, [&](directory::Directory& d, backup::Service& s) -> Status {
        auto password = read_password(a->password_file, kPasswordEnv);
        if (!password) return password.error();
        if (!at->empty()) {
          if (!which->empty()) return make_error(Errc::invalid_argument, "--time and --at exclude each other");
          auto t = point_in_time(*at);
          if (!t) return t.error();
          auto found = find_alias_mailbox(d, data_dir, a->address);
          if (!found) return found.error();
          backup::PointInTime got;
          SEALMAIL_TRY(restore_alias_mailbox_from(
              d, data_dir, a->address, *password, [&](const std::filesystem::path& incoming) -> Status {
                auto r = rebuild_checked(data_dir, s.config(), found->alias.mailbox_id, *t, incoming, &*password);
                if (!r) return r.error();
                got = *r;
                return {};
              }));
          std::printf("restored %s\n", describe(got).c_str());
          return {};
        }
        auto info = restore_alias_mailbox(d, data_dir, a->address, *password, s, *which);
        if (!info) return info.error();
        std::printf("restored %s\n", info->time.c_str());
        return {};
      });
    });
  }

  {
    auto* cmd = backup->add_subcommand(
        "generations",
        "continuous protection: the generations of an alias's mailbox (base and segments), oldest first");
    auto a = std::make_shared<Args>();
    add_address(cmd, *a, false);
    cmd->callback([=, &data_dir, &exit_code] {
      with_backups(data_dir, exit_code, [&](directory::Directory& d, backup::Service& s) -> Status {
        auto found = find_alias_mailbox(d, data_dir, a->address);
        if (!found) return found.error();
        auto target = backup::make_target(s.config());
        if (!target) return target.error();
        auto gens = backup::list_generations(**target, s.config().prefix, found->alias.mailbox_id);
        if (!gens) return gens.error();
        std::printf("%-29s %-24s %12s %8s %12s  %s\n", "GENERATION", "BASE", "BASE-BYTES", "SEGMENTS", "SEG-BYTES",
                    "LAST-SEGMENT-STARTS");
        for (const auto& g : *gens) {
          uint64_t seg_bytes = 0;
          for (const auto& sg : g.segments) seg_bytes += sg.bytes;
          std::printf("%-29s %-24s %12llu %8zu %12llu  %s\n", g.name.c_str(),
                      g.has_base ? backup::iso_time(g.base_ms).c_str() : "(no base)",
                      static_cast<unsigned long long>(g.base_bytes), g.segments.size(),
                      static_cast<unsigned long long>(seg_bytes),
                      g.segments.empty() ? "-" : backup::iso_time(g.segments.back().first_ms).c_str());
        }
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

#include "admin/mail_admin.h"

#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "admin/mailbox_access.h"
#include "backup/service.h"
#include "core/config.h"
#include "crypto/password.h"
#include "crypto/password_hash.h"
#include "store/mailbox.h"
#include "store/spool.h"

namespace sealmail::admin {

namespace {

// Makes the mailbox file for `alias` under `password` and records its public key.
Status make_mailbox(directory::Directory& dir, const std::filesystem::path& data_dir, const directory::Alias& alias,
                    const crypto::SecretBuffer& password) {
  auto path = directory::mailbox_path(data_dir, alias.mailbox_id);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  ::chmod(path.parent_path().c_str(), 0700);
  auto mailbox = store::Mailbox::create(path, password);
  if (!mailbox) return mailbox.error();
  auto keys = (*mailbox)->box_key_pair();
  if (!keys) return keys.error();
  return dir.set_box_public_key(alias.id, keys->public_key);
}

// Mail sealed to a key pair that is gone (the mailbox was deleted or reset) can never be opened:
// its spool goes with the mailbox (store/spool.h).
Status remove_spool(const std::filesystem::path& data_dir, const std::string& mailbox_id) {
  if (mailbox_id.empty()) return {};
  return store::Spool(store::spool_dir(data_dir)).remove_all(mailbox_id);
}

// The server's last holder of a mailbox may still be closing it after the session has gone (its
// destructor runs the optimizer after the registry already counts it gone): a mailbox that is busy
// for a moment is worth retrying for a few seconds before the command reports it in use.
template <class Attempt>
auto retry_while_busy(Attempt attempt) -> decltype(attempt()) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    auto outcome = attempt();
    if (outcome || outcome.error().code != Errc::busy || std::chrono::steady_clock::now() >= deadline) return outcome;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status destroy_mailbox(const std::filesystem::path& path) {
  return retry_while_busy([&] { return store::Mailbox::destroy(path); });
}

// A removed mailbox takes its backups with it (DESIGN.md point 2: deleting a mailbox unlinks its
// files and its backups). Done first, so that an unreachable backup target leaves everything in
// place and the removal can simply be run again.
Result<size_t> purge_backups(const std::filesystem::path& data_dir, const std::string& mailbox_id) {
  if (mailbox_id.empty()) return size_t{0};
  auto config = data_dir_backup_config(data_dir);
  if (!config) return config.error();
  if (config->target.empty()) return size_t{0};
  auto service = backup::Service::create(*config, data_dir);
  if (!service) return service.error();
  return (*service)->purge(mailbox_id);
}

}  // namespace

Result<std::unique_ptr<directory::Directory>> open_directory(const std::filesystem::path& data_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec))
    return make_error(Errc::not_found, "no data directory " + data_dir.string() + " (run sealmail quickstart first)");
  // The CLI keeps the limits the server's configuration sets.
  std::optional<std::filesystem::path> file;
  if (std::filesystem::exists(data_dir / "config.toml", ec)) file = data_dir / "config.toml";
  auto config = load_config(data_dir, file);
  if (!config) return config.error();
  directory::DirectoryOptions options;
  options.aliases_per_domain_per_day = config->limits.aliases_per_domain_per_day;
  return directory::open_sqlite_directory(config->directory_file(), options);
}

Result<CreatedAlias> create_alias(directory::Directory& dir, const std::filesystem::path& data_dir,
                                  const directory::NewAlias& request) {
  auto alias = dir.add_alias(request);
  if (!alias) return alias.error();
  CreatedAlias out{*alias, std::nullopt};
  if (!request.mailbox) return out;
  if (alias->kind != directory::AliasKind::exact) {
    (void)dir.remove_alias(alias->id);
    return make_error(Errc::invalid_argument, "only an exact address can have a mailbox and a password");
  }
  auto password = crypto::generate_password();
  auto st = make_mailbox(dir, data_dir, *alias, password);
  if (st) st = dir.set_password_hash(alias->id, crypto::hash_password(password));
  if (!st) {
    (void)store::Mailbox::destroy(directory::mailbox_path(data_dir, alias->mailbox_id));
    (void)dir.remove_alias(alias->id);
    return st.error();
  }
  auto fresh = dir.get_alias(alias->id);
  if (fresh) out.alias = *fresh;
  out.password = std::move(password);
  return out;
}

Result<crypto::SecretBuffer> change_alias_password(directory::Directory& dir, const std::filesystem::path& data_dir,
                                                   std::string_view address, const crypto::SecretBuffer* current,
                                                   PasswordChange mode) {
  auto alias = dir.find_alias(address);
  if (!alias) return alias.error();
  if (alias->kind != directory::AliasKind::exact)
    return make_error(Errc::invalid_argument, "only an exact address has a password");
  auto password = crypto::generate_password();
  auto path = directory::mailbox_path(data_dir, alias->mailbox_id);
  std::error_code ec;
  bool has_file = alias->has_mailbox && std::filesystem::exists(path, ec);
  if (has_file && mode == PasswordChange::rekey) {
    if (current == nullptr)
      return make_error(Errc::invalid_argument,
                        "this alias has a mailbox: give its current password (--current-password-file or "
                        "SEALMAIL_PASSWORD) to re-key it, or --reset to delete the mailbox and start empty");
    auto st = retry_while_busy([&]() -> Status {
      auto mailbox = store::Mailbox::open(path, *current);
      if (!mailbox) return mailbox.error();
      return (*mailbox)->rekey(password);
    });
    if (!st && st.error().code == Errc::wrong_password)
      return make_error(Errc::wrong_password, "the current password is wrong");
    if (!st) return st.error();
  } else if (alias->has_mailbox) {
    // A reset, or a mailbox that was never made: start a new, empty one under the new password.
    if (has_file) {
      auto st = destroy_mailbox(path);
      if (!st) return st.error();
    }
    if (auto st = remove_spool(data_dir, alias->mailbox_id); !st) return st.error();
    auto st = make_mailbox(dir, data_dir, *alias, password);
    if (!st) return st.error();
  }
  auto st = dir.set_password_hash(alias->id, crypto::hash_password(password));
  if (!st) return st.error();
  return password;
}

Result<crypto::SecretBuffer> generate_account_password(directory::Directory& dir, std::string_view name) {
  auto account = dir.find_account(name);
  if (!account) return account.error();
  auto password = crypto::generate_password();
  SEALMAIL_TRY(dir.set_account_password_hash(account->id, crypto::hash_password(password)));
  return password;
}

Status remove_alias(directory::Directory& dir, const std::filesystem::path& data_dir, std::string_view address) {
  auto alias = dir.find_alias(address);
  if (!alias) return alias.error();
  if (alias->has_mailbox) {
    auto purged = purge_backups(data_dir, alias->mailbox_id);
    if (!purged)
      return make_error(purged.error().code,
                        "its backups could not be deleted, nothing was removed: " + purged.error().message);
  }
  auto path = directory::mailbox_path(data_dir, alias->mailbox_id);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    auto st = destroy_mailbox(path);
    if (!st) return st;
  }
  SEALMAIL_TRY(remove_spool(data_dir, alias->mailbox_id));
  auto removed = dir.remove_alias(alias->id);
  if (!removed) return removed.error();
  return {};
}

Status remove_domain(directory::Directory& dir, const std::filesystem::path& data_dir, std::string_view name,
                     bool cascade) {
  auto domain = dir.find_domain(name);
  if (!domain) return domain.error();
  auto removed = dir.remove_domain(domain->id, cascade);
  if (!removed) return removed.error();
  Status result;
  for (const auto& alias : *removed) {
    auto path = directory::mailbox_path(data_dir, alias.mailbox_id);
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      auto st = destroy_mailbox(path);
      if (!st && result) result = st;
      if (!st) continue;  // the mailbox stays: so does the mail waiting for it
    }
    auto st = remove_spool(data_dir, alias.mailbox_id);
    if (!st && result) result = st;
    if (alias.has_mailbox) {
      auto purged = purge_backups(data_dir, alias.mailbox_id);
      if (!purged && result)
        result = make_error(purged.error().code, "backups of a removed mailbox remain: " + purged.error().message);
    }
  }
  return result;
}

}  // namespace sealmail::admin

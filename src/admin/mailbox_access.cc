#include "admin/mailbox_access.h"

#include <chrono>
#include <thread>

#include "core/fs.h"
#include "core/hex.h"
#include "store/restore.h"

namespace sealmail::admin {

Result<AliasMailbox> find_alias_mailbox(directory::Directory& dir, const std::filesystem::path& data_dir,
                                        std::string_view address) {
  auto alias = dir.find_alias(address);
  if (!alias) return alias.error();
  if (alias->kind != directory::AliasKind::exact || !alias->has_mailbox)
    return make_error(Errc::not_found, "this address has no mailbox");
  return AliasMailbox{*alias, directory::mailbox_path(data_dir, alias->mailbox_id)};
}

Result<std::unique_ptr<store::Mailbox>> open_alias_mailbox(directory::Directory& dir,
                                                           const std::filesystem::path& data_dir,
                                                           std::string_view address,
                                                           const crypto::SecretBuffer& password) {
  auto found = find_alias_mailbox(dir, data_dir, address);
  if (!found) return found.error();
  auto login = dir.verify_login(address, password);
  if (!login) return login.error();
  return store::Mailbox::open(found->file, password);
}

Result<backup::BackupConfig> data_dir_backup_config(const std::filesystem::path& data_dir) {
  std::optional<std::filesystem::path> file;
  std::error_code ec;
  if (std::filesystem::exists(data_dir / "config.toml", ec)) file = data_dir / "config.toml";
  return backup::load_backup_config(file);
}

Result<backup::BackupInfo> restore_alias_mailbox(directory::Directory& dir, const std::filesystem::path& data_dir,
                                                 std::string_view address, const crypto::SecretBuffer& password,
                                                 backup::Service& service, const std::string& which) {
  auto found = find_alias_mailbox(dir, data_dir, address);
  if (!found) return found.error();
  backup::BackupInfo info;
  SEALMAIL_TRY(restore_alias_mailbox_from(dir, data_dir, address, password, [&](const std::filesystem::path& incoming) {
    auto got = service.download(found->alias.mailbox_id, which, incoming);
    if (!got) return Status(got.error());
    info = *got;
    return Status();
  }));
  return info;
}

Status restore_alias_mailbox_from(directory::Directory& dir, const std::filesystem::path& data_dir,
                                  std::string_view address, const crypto::SecretBuffer& password,
                                  const std::function<Status(const std::filesystem::path& incoming)>& fetch) {
  auto found = find_alias_mailbox(dir, data_dir, address);
  if (!found) return found.error();
  auto login = dir.verify_login(address, password);
  if (!login) return login.error();
  // Downloaded beside the mailbox, so that the restore is a rename in one directory.
  uint8_t random[8];
  crypto::random_bytes(random);
  auto incoming = found->file;
  incoming += ".restore-" + to_hex(random);
  struct Cleanup {
    std::filesystem::path file;
    ~Cleanup() {
      for (const char* suffix : {"", ".partial", "-wal", "-shm", ".lock", ".usage"}) {
        auto p = file;
        p += suffix;
        (void)fs::remove_if_exists(p);
      }
    }
  } cleanup{incoming};
  SEALMAIL_TRY(fetch(incoming));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    auto st = store::restore_mailbox(found->file, incoming, password);
    if (st) break;
    if (st.error().code != Errc::busy || std::chrono::steady_clock::now() >= deadline) return st.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The spool seals to the key pair inside the mailbox: the restored one's, should it differ.
  auto mailbox = store::Mailbox::open(found->file, password);
  if (!mailbox) return mailbox.error();
  auto keys = (*mailbox)->box_key_pair();
  if (!keys) return keys.error();
  SEALMAIL_TRY(dir.set_box_public_key(found->alias.id, keys->public_key));
  return {};
}

}  // namespace sealmail::admin

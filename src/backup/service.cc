#include "backup/service.h"

#include <ctime>

namespace sealmail::backup {

Result<std::shared_ptr<Service>> Service::create(const BackupConfig& config, const std::filesystem::path& data_dir) {
  auto target = make_target(config);
  if (!target) return target.error();
  return std::make_shared<Service>(config, data_dir, std::move(*target));
}

Service::Service(const BackupConfig& config, const std::filesystem::path& data_dir, std::unique_ptr<Target> target)
    : config_(config), work_dir_(data_dir / "backup-work"), target_(std::move(target)) {}

std::shared_ptr<std::mutex> Service::mailbox_lock(const std::string& mailbox_id) {
  std::lock_guard lock(mutex_);
  auto& m = running_[mailbox_id];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

Result<RunResult> Service::run(store::Mailbox& mailbox, const std::string& mailbox_id) {
  auto m = mailbox_lock(mailbox_id);
  std::lock_guard running(*m);
  auto r = run_backup(mailbox, *target_, config_.prefix, mailbox_id, config_.keep, work_dir_);
  if (r) {
    std::lock_guard lock(mutex_);
    // An unchanged mailbox counts as backed up now: its content is in the target as of now.
    last_[mailbox_id] = r->uploaded ? r->latest.unix_time : static_cast<int64_t>(std::time(nullptr));
  }
  return r;
}

Result<int64_t> Service::last_backup_time(const std::string& mailbox_id) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = last_.find(mailbox_id); it != last_.end()) return it->second;
  }
  auto all = list_backups(*target_, config_.prefix, mailbox_id);
  if (!all) return all.error();
  int64_t t = all->empty() ? 0 : all->back().unix_time;
  std::lock_guard lock(mutex_);
  last_.emplace(mailbox_id, t);
  return last_[mailbox_id];
}

Result<std::vector<BackupInfo>> Service::list(const std::string& mailbox_id) {
  return list_backups(*target_, config_.prefix, mailbox_id);
}

Result<BackupInfo> Service::download(const std::string& mailbox_id, const std::string& which,
                                     const std::filesystem::path& dest) {
  return download_backup(*target_, config_.prefix, mailbox_id, which, dest);
}

Result<size_t> Service::purge(const std::string& mailbox_id) {
  auto m = mailbox_lock(mailbox_id);
  std::lock_guard running(*m);
  auto n = purge_backups(*target_, config_.prefix, mailbox_id);
  std::lock_guard lock(mutex_);
  last_.erase(mailbox_id);
  return n;
}

}  // namespace sealmail::backup

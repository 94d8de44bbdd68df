// Backups as serve and the CLI run them: the configured target, one backup of a mailbox at a time
// (a scheduled run and a requested one never overlap), and when each mailbox was last backed up
// (asked of the target once, then remembered).
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "backup/backup_config.h"
#include "backup/backups.h"

namespace sealmail::backup {

class Service {
 public:
  // Errc::not_found when the configuration has no [backup] target.
  // Snapshots are written under `data_dir`/backup-work while they are checked and uploaded.
  static Result<std::shared_ptr<Service>> create(const BackupConfig& config, const std::filesystem::path& data_dir);
  Service(const BackupConfig& config, const std::filesystem::path& data_dir, std::unique_ptr<Target> target);

  // Blocking: snapshot, compare, upload, prune (backups.h).
  Result<RunResult> run(store::Mailbox& mailbox, const std::string& mailbox_id);
  // Unix time of the mailbox's latest backup; 0 when it has none.
  Result<int64_t> last_backup_time(const std::string& mailbox_id);
  Result<std::vector<BackupInfo>> list(const std::string& mailbox_id);
  Result<BackupInfo> download(const std::string& mailbox_id, const std::string& which,
                              const std::filesystem::path& dest);
  Result<size_t> purge(const std::string& mailbox_id);

  const BackupConfig& config() const { return config_; }

 private:
  std::shared_ptr<std::mutex> mailbox_lock(const std::string& mailbox_id);

  BackupConfig config_;
  std::filesystem::path work_dir_;
  std::unique_ptr<Target> target_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<std::mutex>> running_;
  std::map<std::string, int64_t> last_;
};

}  // namespace sealmail::backup

// The backups of one mailbox in a target (DESIGN.md point 9; issue 10): a checked snapshot
// (store: write lock, wal_checkpoint(PASSIVE), VACUUM INTO, reopened with the key), uploaded only
// when its content differs from the last backup's, the newest `keep` kept and older ones deleted.
//
// Object names are the index: "<prefix>/<mailbox id>/<UTC time>-<content SHA-256>.sqlite", so a
// listing tells when each backup was taken and what it holds, with no index object to keep in
// step. The digest is of the content read through the key (store::content_digest): the
// cipher writes fresh nonces each time, so the file's own hash changes even when nothing else did.
// Objects are the encrypted file itself: the target never sees a key or a byte of mail.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backup/target.h"
#include "store/mailbox.h"

namespace sealmail::backup {

struct BackupInfo {
  std::string name;            // the object's name
  std::string time;            // "20261123T191040.123Z"
  int64_t unix_time = 0;       // the same, in seconds
  std::string content_sha256;  // hex
  uint64_t bytes = 0;
};

// Backups of `mailbox_id`, oldest first. Objects under its folder that are not backups are left
// out (and left alone).
Result<std::vector<BackupInfo>> list_backups(Target& target, const std::string& prefix, const std::string& mailbox_id);

struct RunResult {
  bool uploaded = false;  // false: the content was as in the latest backup
  BackupInfo latest;      // the new backup, or the unchanged latest one
  size_t removed = 0;     // older backups deleted to keep `keep`
  uint64_t snapshot_bytes = 0;
};

// Snapshots `mailbox` into `work_dir` (removed afterwards), compares, uploads, prunes.
Result<RunResult> run_backup(store::Mailbox& mailbox, Target& target, const std::string& prefix,
                             const std::string& mailbox_id, uint32_t keep, const std::filesystem::path& work_dir);

// Downloads a backup (`which`: an object name or a time as list_backups gives it; empty: the
// latest) to `dest`; returns what it downloaded.
Result<BackupInfo> download_backup(Target& target, const std::string& prefix, const std::string& mailbox_id,
                                   const std::string& which, const std::filesystem::path& dest);

// Deletes every backup of the mailbox; returns how many.
Result<size_t> purge_backups(Target& target, const std::string& prefix, const std::string& mailbox_id);

}  // namespace sealmail::backup

// The [backup] table of config.toml (issue 10): where encrypted snapshots go, how many are kept,
// how often. Read here rather than in core/config.h so that backups stay one folder; every key is
// checked the same way (an unknown key or a bad value is one line naming it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/result.h"

namespace sealmail::backup {

struct BackupConfig {
  std::string target;            // "" (off), "folder" or "s3"
  std::filesystem::path folder;  // target = "folder": a directory
  std::string endpoint;          // target = "s3": "https://s3.example.com" (path-style requests)
  std::string bucket;
  std::string region = "us-east-1";
  std::string prefix = "sealmail";  // object names start "<prefix>/<mailbox id>/"
  // Two lines: the access key id, then the secret key; without it, $AWS_ACCESS_KEY_ID and
  // $AWS_SECRET_ACCESS_KEY.
  std::filesystem::path credentials_file;
  uint32_t keep = 1;                  // backups kept per mailbox (the seeds keep one)
  uint32_t interval_seconds = 86400;  // a mailbox is due when its last backup is older than this
  uint32_t check_seconds = 60;        // how often serve looks for open mailboxes that are due
  // Continuous protection (backup/wal_shipper.h): every commit's encrypted WAL frames shipped as
  // they are written, so that a restore can go to any point in time. `keep` generations are kept.
  bool continuous = false;
  uint32_t ship_seconds = 1;            // how long a commit may wait before it is uploaded
  uint32_t generation_seconds = 86400;  // a generation this old ends; the next starts with a new base
  uint32_t continuous_buffer_mb = 64;   // commits waiting for the store; beyond: a new generation
};

// [backup] of `file` (defaults, i.e. off, when there is no file or no table).
Result<BackupConfig> load_backup_config(const std::optional<std::filesystem::path>& file);

}  // namespace sealmail::backup

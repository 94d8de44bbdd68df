// Where backups go: a store of named objects (an S3-compatible bucket, or a folder that stands in
// for one). Objects are whole files: every backup is an encrypted snapshot that the target can
// never read (DESIGN.md point 9).
//
// Rules the implementations keep:
// - Names are "<prefix>/<mailbox id>/<file>" made by backup/backups.h; a name with "..", a
//   leading '/', or bytes outside [A-Za-z0-9._/-] is refused (Errc::invalid_argument).
// - Every call blocks (network or disk): call from the worker pool or the CLI.
// - put() is whole or nothing: a reader never sees half an object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backup/backup_config.h"
#include "core/result.h"

namespace sealmail::backup {

struct ObjectInfo {
  std::string name;
  uint64_t bytes = 0;
};

class Target {
 public:
  virtual ~Target() = default;
  // Uploads `file` as `name` (replacing an object of that name). `sha256_hex` is the file's
  // SHA-256, which S3 checks against what it received.
  virtual Status put(const std::string& name, const std::filesystem::path& file, const std::string& sha256_hex) = 0;
  // Downloads `name` into `file` (created or truncated).
  virtual Status get(const std::string& name, const std::filesystem::path& file) = 0;
  // Objects whose names start with `prefix`, by name.
  virtual Result<std::vector<ObjectInfo>> list(const std::string& prefix) = 0;
  // Removing a missing object is not an error.
  virtual Status remove(const std::string& name) = 0;
};

// The configured target; Errc::not_found when [backup] sets none.
Result<std::unique_ptr<Target>> make_target(const BackupConfig& config);

// True for names the targets accept (see the rules above).
bool valid_object_name(const std::string& name);

}  // namespace sealmail::backup

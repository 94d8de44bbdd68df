#include "backup/target.h"

#include "backup/folder_target.h"
#include "backup/s3_target.h"

namespace sealmail::backup {

bool valid_object_name(const std::string& name) {
  if (name.empty() || name.size() > 1024 || name.front() == '/' || name.back() == '/') return false;
  if (name.find("..") != std::string::npos || name.find("//") != std::string::npos) return false;
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}

Result<std::unique_ptr<Target>> make_target(const BackupConfig& config) {
  if (config.target == "folder") return std::unique_ptr<Target>(std::make_unique<FolderTarget>(config.folder));
  if (config.target == "s3") {
    auto t = S3Target::create(config);
    if (!t) return t.error();
    return std::unique_ptr<Target>(std::move(*t));
  }
  return make_error(Errc::not_found, "no backup target configured ([backup] target in config.toml)");
}

}  // namespace sealmail::backup

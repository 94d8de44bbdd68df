// A folder as a backup target (a mounted disk, or a directory another tool syncs away): object
// "a/b/c" is the file "<root>/a/b/c". Written to a temporary name, fsynced, then renamed.
#pragma once

#include "backup/target.h"

namespace sealmail::backup {

class FolderTarget : public Target {
 public:
  explicit FolderTarget(std::filesystem::path root) : root_(std::move(root)) {}
  Status put(const std::string& name, const std::filesystem::path& file, const std::string& sha256_hex) override;
  Status get(const std::string& name, const std::filesystem::path& file) override;
  Result<std::vector<ObjectInfo>> list(const std::string& prefix) override;
  Status remove(const std::string& name) override;

 private:
  std::filesystem::path root_;
};

}  // namespace sealmail::backup

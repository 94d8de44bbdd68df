#include "backup/folder_target.h"

#include <sys/stat.h>

#include <algorithm>

#include "core/fs.h"

namespace sealmail::backup {

namespace {

Status copy_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  auto tmp = to;
  tmp += ".partial";
  std::error_code ec;
  std::filesystem::copy_file(from, tmp, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return make_error(Errc::io, "cannot copy the backup: " + ec.message());
  ::chmod(tmp.c_str(), 0600);
  SEALMAIL_TRY(fs::fsync_file(tmp));
  return fs::durable_rename(tmp, to);
}

}  // namespace

Status FolderTarget::put(const std::string& name, const std::filesystem::path& file, const std::string&) {
  if (!valid_object_name(name)) return make_error(Errc::invalid_argument, "bad backup object name");
  auto dest = root_ / name;
  std::error_code ec;
  std::filesystem::create_directories(dest.parent_path(), ec);
  if (ec) return make_error(Errc::io, "cannot create the backup folder: " + ec.message());
  return copy_durably(file, dest);
}

Status FolderTarget::get(const std::string& name, const std::filesystem::path& file) {
  if (!valid_object_name(name)) return make_error(Errc::invalid_argument, "bad backup object name");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(root_ / name, ec)) return make_error(Errc::not_found, "no such backup");
  return copy_durably(root_ / name, file);
}

Result<std::vector<ObjectInfo>> FolderTarget::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::error_code ec;
  // Names are '/'-separated paths: walk the deepest folder the prefix names completely.
  auto slash = prefix.rfind('/');
  auto base = slash == std::string::npos ? root_ : root_ / prefix.substr(0, slash);
  if (!std::filesystem::is_directory(base, ec)) return out;
  for (auto it = std::filesystem::recursive_directory_iterator(base, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = std::filesystem::relative(it->path(), root_, ec).generic_string();
    if (name.ends_with(".partial") || name.rfind(prefix, 0) != 0) continue;
    out.push_back({name, static_cast<uint64_t>(it->file_size(ec))});
  }
  if (ec) return make_error(Errc::io, "cannot list the backup folder: " + ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Status FolderTarget::remove(const std::string& name) {
  if (!valid_object_name(name)) return make_error(Errc::invalid_argument, "bad backup object name");
  SEALMAIL_TRY(fs::remove_if_exists(root_ / name));
  return fs::fsync_directory((root_ / name).parent_path());
}

}  // namespace sealmail::backup

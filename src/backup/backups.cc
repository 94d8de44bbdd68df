#include "backup/backups.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "core/fs.h"
#include "core/hex.h"
#include "crypto/secret.h"
#include "store/restore.h"

namespace sealmail::backup {

namespace {

std::string folder_of(const std::string& prefix, const std::string& mailbox_id) {
  return (prefix.empty() ? "" : prefix + "/") + mailbox_id + "/";
}

std::string now_text() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// "20261123T191040.123Z" -> seconds since the epoch; nullopt when it is not that.
std::optional<int64_t> parse_time(const std::string& t) {
  std::tm tm{};
  int ms = 0;
  if (t.size() != 20 || std::sscanf(t.c_str(), "%4d%2d%2dT%2d%2d%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

std::optional<BackupInfo> parse_name(const ObjectInfo& o, const std::string& folder) {
  if (o.name.rfind(folder, 0) != 0) return std::nullopt;
  std::string file = o.name.substr(folder.size());
  // <time 20>-<sha256 64>.sqlite
  if (file.size() != 20 + 1 + 64 + 7 || file[20] != '-' || !file.ends_with(".sqlite")) return std::nullopt;
  BackupInfo b;
  b.name = o.name;
  b.time = file.substr(0, 20);
  b.content_sha256 = file.substr(21, 64);
  b.bytes = o.bytes;
  auto t = parse_time(b.time);
  if (!t) return std::nullopt;
  b.unix_time = *t;
  for (char c : b.content_sha256)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  return b;
}

}  // namespace

Result<std::vector<BackupInfo>> list_backups(Target& target, const std::string& prefix, const std::string& mailbox_id) {
  auto folder = folder_of(prefix, mailbox_id);
  auto objects = target.list(folder);
  if (!objects) return objects.error();
  std::vector<BackupInfo> out;
  for (const auto& o : *objects)
    if (auto b = parse_name(o, folder)) out.push_back(std::move(*b));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<RunResult> run_backup(store::Mailbox& mailbox, Target& target, const std::string& prefix,
                             const std::string& mailbox_id, uint32_t keep, const std::filesystem::path& work_dir) {
  if (keep == 0) keep = 1;
  std::error_code ec;
  std::filesystem::create_directories(work_dir, ec);
  ::chmod(work_dir.c_str(), 0700);
  uint8_t random[8];
  crypto::random_bytes(random);
  auto snapshot_file = work_dir / (mailbox_id + "." + to_hex(random) + ".snapshot");
  struct Cleanup {
    std::filesystem::path file;
    ~Cleanup() { (void)fs::remove_if_exists(file); }
  } cleanup{snapshot_file};

  auto snap = mailbox.backup_snapshot(snapshot_file);
  if (!snap) return snap.error();
  auto digest = store::content_digest(snapshot_file, mailbox.key());
  if (!digest) return digest.error();
  auto existing = list_backups(target, prefix, mailbox_id);
  if (!existing) return existing.error();
  RunResult result;
  result.snapshot_bytes = snap->bytes;
  if (!existing->empty() && existing->back().content_sha256 == *digest) {
    result.latest = existing->back();
  } else {
    BackupInfo b;
    b.time = now_text();
    b.content_sha256 = *digest;
    b.name = folder_of(prefix, mailbox_id) + b.time + "-" + b.content_sha256 + ".sqlite";
    b.bytes = snap->bytes;
    b.unix_time = parse_time(b.time).value_or(0);
    SEALMAIL_TRY(target.put(b.name, snapshot_file, snap->sha256));
    result.uploaded = true;
    result.latest = b;
    existing->push_back(b);
  }
  // Keep the newest `keep`; the one just made (or confirmed) is always among them.
  while (existing->size() > keep) {
    SEALMAIL_TRY(target.remove(existing->front().name));
    existing->erase(existing->begin());
    ++result.removed;
  }
  return result;
}

Result<BackupInfo> download_backup(Target& target, const std::string& prefix, const std::string& mailbox_id,
                                   const std::string& which, const std::filesystem::path& dest) {
  auto all = list_backups(target, prefix, mailbox_id);
  if (!all) return all.error();
  if (all->empty()) return make_error(Errc::not_found, "this mailbox has no backup");
  const BackupInfo* chosen = which.empty() ? &all->back() : nullptr;
  for (const auto& b : *all)
    if (b.name == which || b.time == which) chosen = &b;
  if (chosen == nullptr) return make_error(Errc::not_found, "no backup '" + which + "' (see backup list)");
  SEALMAIL_TRY(target.get(chosen->name, dest));
  return *chosen;
}

Result<size_t> purge_backups(Target& target, const std::string& prefix, const std::string& mailbox_id) {
  auto objects = target.list(folder_of(prefix, mailbox_id));
  if (!objects) return objects.error();
  for (const auto& o : *objects) SEALMAIL_TRY(target.remove(o.name));
  return objects->size();
}

}  // namespace sealmail::backup

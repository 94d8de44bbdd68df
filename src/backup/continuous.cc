#include "backup/continuous.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <map>

#include "backup/wal_segment.h"
#include "core/fs.h"
#include "core/hex.h"
#include "crypto/secret.h"

namespace sealmail::backup {

namespace {

std::string folder_of(const std::string& prefix, const std::string& mailbox_id) {
  return (prefix.empty() ? "" : prefix + "/") + mailbox_id + "/wal/";
}

std::optional<int64_t> to_unix_ms(int year, int mon, int day, int hour, int min, int sec, int ms) {
  if (year < 1970 || year > 9999 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 ||
      ms < 0 || ms > 999 || hour < 0 || min < 0 || sec < 0)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status write_pages(int fd, const Segment& seg, const SegmentCommit& c, uint64_t& db_pages) {
  size_t frame_size = kFrameHeaderBytes + seg.page_size;
  for (uint32_t i = 0; i < c.count; ++i) {
    const char* f = c.frames.data() + i * frame_size;
    uint64_t page = frame_be32(f);
    off_t offset = static_cast<off_t>((page - 1) * seg.page_size);
    const char* data = f + kFrameHeaderBytes;
    for (size_t done = 0; done < seg.page_size;) {
      ssize_t w = ::pwrite(fd, data + done, seg.page_size - done, offset + static_cast<off_t>(done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return make_error(Errc::io, "cannot write the restored file");
      done += static_cast<size_t>(w);
    }
    if (uint32_t size = frame_be32(f + 4); size != 0) db_pages = size;
  }
  return {};
}

}  // namespace

std::string compact_time(int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

std::optional<int64_t> parse_compact_time(const std::string& t) {
  int y, mo, d, h, mi, s, ms;
  if (t.size() != 20 || t[8] != 'T' || t[15] != '.' || t[19] != 'Z' || !all_digits(t.substr(0, 8)) ||
      !all_digits(t.substr(9, 6)) || !all_digits(t.substr(16, 3)))
    return std::nullopt;
  if (std::sscanf(t.c_str(), "%4d%2d%2dT%2d%2d%2d.%3dZ", &y, &mo, &d, &h, &mi, &s, &ms) != 7) return std::nullopt;
  return to_unix_ms(y, mo, d, h, mi, s, ms);
}

std::optional<int64_t> parse_point_in_time(const std::string& t) {
  // 2026-11-24T05:30:00Z or 2026-11-24T05:30:00.250Z
  if (t.size() != 20 && t.size() != 24) return std::nullopt;
  static const char shape[] = "dddd-dd-ddTdd:dd:dd";
  for (size_t i = 0; i < 19; ++i) {
    bool digit = t[i] >= '0' && t[i] <= '9';
    if (shape[i] == 'd' ? !digit : t[i] != shape[i]) return std::nullopt;
  }
  int ms = 0;
  if (t.size() == 24) {
    if (t[19] != '.' || !all_digits(t.substr(20, 3))) return std::nullopt;
    ms = std::stoi(t.substr(20, 3));
  }
  if (t.back() != 'Z') return std::nullopt;
  return to_unix_ms(std::stoi(t.substr(0, 4)), std::stoi(t.substr(5, 2)), std::stoi(t.substr(8, 2)),
                    std::stoi(t.substr(11, 2)), std::stoi(t.substr(14, 2)), std::stoi(t.substr(17, 2)), ms);
}

std::string iso_time(int64_t unix_ms) {
  auto c = compact_time(unix_ms);  // 20261124T053000.123Z
  return c.substr(0, 4) + "-" + c.substr(4, 2) + "-" + c.substr(6, 2) + "T" + c.substr(9, 2) + ":" + c.substr(11, 2) +
         ":" + c.substr(13, 2) + c.substr(15);
}

std::string new_generation_name(int64_t base_ms) {
  uint8_t random[4];
  crypto::random_bytes(random);
  return compact_time(base_ms) + "-" + to_hex(random);
}

std::string base_object(const std::string& prefix, const std::string& mailbox_id, const std::string& generation) {
  return folder_of(prefix, mailbox_id) + generation + "/base.sqlite";
}

std::string segment_object(const std::string& prefix, const std::string& mailbox_id, const std::string& generation,
                           uint32_t index, int64_t first_ms) {
  char n[16];
  std::snprintf(n, sizeof n, "%010u", index);
  return folder_of(prefix, mailbox_id) + generation + "/" + n + "-" + compact_time(first_ms) + ".seg";
}

Result<std::vector<GenerationInfo>> list_generations(Target& target, const std::string& prefix,
                                                     const std::string& mailbox_id) {
  auto folder = folder_of(prefix, mailbox_id);
  auto objects = target.list(folder);
  if (!objects) return objects.error();
  std::map<std::string, GenerationInfo> by_name;
  for (const auto& o : *objects) {
    if (o.name.rfind(folder, 0) != 0) continue;
    auto rest = o.name.substr(folder.size());
    auto slash = rest.find('/');
    if (slash == std::string::npos) continue;
    auto gen = rest.substr(0, slash), file = rest.substr(slash + 1);
    // <time 20>-<8 hex>
    if (gen.size() != 29 || gen[20] != '-') continue;
    auto base_ms = parse_compact_time(gen.substr(0, 20));
    if (!base_ms) continue;
    auto& g = by_name[gen];
    g.name = gen;
    g.base_ms = *base_ms;
    g.objects.push_back(o.name);
    if (file == "base.sqlite") {
      g.has_base = true;
      g.base_bytes = o.bytes;
    } else if (file.size() == 10 + 1 + 20 + 4 && file[10] == '-' && file.ends_with(".seg") &&
               all_digits(file.substr(0, 10))) {
      auto first = parse_compact_time(file.substr(11, 20));
      uint64_t index = std::stoull(file.substr(0, 10));
      if (!first || index == 0 || index > 0xffffffffu) continue;
      g.segments.push_back({o.name, static_cast<uint32_t>(index), *first, o.bytes});
    }
  }
  std::vector<GenerationInfo> out;
  for (auto& [name, g] : by_name) {
    std::sort(g.segments.begin(), g.segments.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
    out.push_back(std::move(g));
  }
  return out;  // names start with the base time: by name is by age
}

Result<size_t> prune_generations(Target& target, const std::string& prefix, const std::string& mailbox_id,
                                 uint32_t keep, const std::string& current) {
  auto gens = list_generations(target, prefix, mailbox_id);
  if (!gens) return gens.error();
  if (keep == 0) keep = 1;
  // Newest first: the first `keep` with a base stay, with every generation newer than the last of them.
  size_t kept = 0, removed = 0;
  for (auto it = gens->rbegin(); it != gens->rend(); ++it) {
    if (kept < keep || it->name == current) {
      if (it->has_base) ++kept;
      continue;
    }
    for (const auto& name : it->objects) SEALMAIL_TRY(target.remove(name));
    ++removed;
  }
  return removed;
}

Result<PointInTime> rebuild_at(Target& target, const std::string& prefix, const std::string& mailbox_id, int64_t at_ms,
                               const std::filesystem::path& dest, const std::filesystem::path& work_dir) {
  auto gens = list_generations(target, prefix, mailbox_id);
  if (!gens) return gens.error();
  const GenerationInfo* chosen = nullptr;
  for (const auto& g : *gens)
    if (g.has_base && g.base_ms <= at_ms) chosen = &g;
  if (chosen == nullptr) {
    std::string oldest;
    for (const auto& g : *gens)
      if (g.has_base) {
        oldest = " (the oldest starts at " + iso_time(g.base_ms) + ")";
        break;
      }
    return make_error(Errc::not_found, "no continuous backup reaches back to " + iso_time(at_ms) + oldest);
  }
  std::error_code ec;
  if (std::filesystem::exists(dest, ec)) return make_error(Errc::already_exists, "the restore file exists");
  std::filesystem::create_directories(work_dir, ec);
  ::chmod(work_dir.c_str(), 0700);

  PointInTime r;
  r.generation = chosen->name;
  r.base_ms = chosen->base_ms;
  r.restored_to_ms = chosen->base_ms;
  SEALMAIL_TRY(target.get(base_object(prefix, mailbox_id, chosen->name), dest));
  r.downloaded_bytes += chosen->base_bytes;
  int fd = ::open(dest.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io, "cannot open the restored file");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  uint8_t random[8];
  crypto::random_bytes(random);
  auto segment_file = work_dir / (mailbox_id + "." + to_hex(random) + ".seg");
  struct Cleanup {
    std::filesystem::path file;
    ~Cleanup() { (void)fs::remove_if_exists(file); }
  } cleanup{segment_file};

  uint64_t db_pages = 0;
  uint32_t page_size = 0;
  uint32_t expected = 1;
  bool done = false;
  for (const auto& s : chosen->segments) {
    if (done || s.first_ms > at_ms) break;
    if (s.index != expected) {
      r.gap = true;  // a segment that never arrived: what follows it cannot be applied
      break;
    }
    ++expected;
    (void)fs::remove_if_exists(segment_file);
    SEALMAIL_TRY(target.get(s.name, segment_file));
    auto bytes = fs::read_file(segment_file);
    if (!bytes) return bytes.error();
    r.downloaded_bytes += bytes->size();
    ++r.segments;
    auto seg = parse_segment(*bytes);
    if (!seg) return make_error(seg.error().code, s.name.substr(s.name.rfind('/') + 1) + ": " + seg.error().message);
    if (page_size == 0) page_size = seg->page_size;
    if (seg->page_size != page_size) return make_error(Errc::corrupt, "segments disagree on the page size");
    for (const auto& c : seg->commits) {
      if (c.unix_ms > at_ms) {
        done = true;
        break;
      }
      SEALMAIL_TRY(write_pages(fd, *seg, c, db_pages));
      r.restored_to_ms = c.unix_ms;
      ++r.commits;
    }
  }
  // The database's size after the last commit applied: pages beyond it were freed (auto_vacuum).
  if (db_pages > 0 && ::ftruncate(fd, static_cast<off_t>(db_pages * page_size)) != 0)
    return make_error(Errc::io, "cannot size the restored file");
  if (::fsync(fd) != 0) return make_error(Errc::io, "cannot write the restored file");
  return r;
}

}  // namespace sealmail::backup

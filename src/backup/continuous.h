// Continuous protection in the object store (issue 10): where a mailbox's generations and
// segments live, which are kept, and a restore to a point in time.
//
// A generation is a base (a byte copy of the encrypted database file, store/wal_capture.h) and the
// segments that follow it (backup/wal_segment.h), numbered from 1 without gaps:
//   <prefix>/<mailbox id>/wal/<generation>/base.sqlite
//   <prefix>/<mailbox id>/wal/<generation>/<index, 10 digits>-<first commit time>.seg
// where <generation> is "<base time>-<8 random hex>" and times are "20261124T053000.123Z" (UTC, as
// backups.h names backups). Names are the index, as for backups: a listing says what each object
// holds and when, with no index object to keep in step. Everything stored is ciphertext.
//
// A restore to time T takes the newest generation whose base is not after T, writes its base,
// then applies the frames of every commit up to T in order onto it, as a checkpoint does (each
// page to its place, the file cut to the database size of the last commit). Every call blocks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backup/target.h"

namespace sealmail::backup {

struct SegmentInfo {
  std::string name;
  uint32_t index = 0;
  int64_t first_ms = 0;  // its first commit's time
  uint64_t bytes = 0;
};

struct GenerationInfo {
  std::string name;
  int64_t base_ms = 0;
  bool has_base = false;
  uint64_t base_bytes = 0;
  std::vector<SegmentInfo> segments;  // by index
  std::vector<std::string> objects;   // every object of the generation
};

// "20261124T053000.123Z" <-> Unix milliseconds.
std::string compact_time(int64_t unix_ms);
std::optional<int64_t> parse_compact_time(const std::string& text);
// "2026-11-24T05:30:00Z" or "2026-11-24T05:30:00.250Z" (UTC), as `backup restore --at` takes it.
std::optional<int64_t> parse_point_in_time(const std::string& text);
std::string iso_time(int64_t unix_ms);

std::string new_generation_name(int64_t base_ms);
std::string base_object(const std::string& prefix, const std::string& mailbox_id, const std::string& generation);
std::string segment_object(const std::string& prefix, const std::string& mailbox_id, const std::string& generation,
                           uint32_t index, int64_t first_ms);

// The mailbox's generations, oldest first; objects under wal/ that are not ours are left out.
Result<std::vector<GenerationInfo>> list_generations(Target& target, const std::string& prefix,
                                                     const std::string& mailbox_id);

// Deletes all but the newest `keep` generations that have a base (never `current`); generations
// without a base older than the oldest kept one go too. Returns how many generations it removed.
Result<size_t> prune_generations(Target& target, const std::string& prefix, const std::string& mailbox_id,
                                 uint32_t keep, const std::string& current);

struct PointInTime {
  std::string generation;
  int64_t base_ms = 0;
  int64_t restored_to_ms = 0;  // the last commit applied (the base's time when none)
  size_t segments = 0;         // downloaded
  size_t commits = 0;          // applied
  uint64_t downloaded_bytes = 0;
  bool gap = false;  // a segment was missing: stopped before it
};

// Writes to `dest` (must not exist) the mailbox as of `at_ms`: every commit at or before it.
// Errc::not_found when no generation's base is that old. Segments are downloaded into `work_dir`.
Result<PointInTime> rebuild_at(Target& target, const std::string& prefix, const std::string& mailbox_id, int64_t at_ms,
                               const std::filesystem::path& dest, const std::filesystem::path& work_dir);

}  // namespace sealmail::backup

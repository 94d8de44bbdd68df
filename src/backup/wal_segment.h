// A segment object of continuous protection (backup/wal_shipper.h): the frames of one or more
// commits of a mailbox's write-ahead log as the store captured them (store/wal_capture.h), each
// with its commit time, so that a restore can stop at any commit. The frames are SQLite WAL
// frames, still encrypted: a 24-byte header (page number, database size after a commit, salts,
// checksums) and the encrypted page.
//
// Layout, integers big-endian as in SQLite's own WAL:
//   "SMWSEG01"  u32 page size
//   then per commit: u64 commit time (Unix milliseconds)  u32 frame count  frames
// The parser reads bytes downloaded from an object store: every length is checked, and it
// refuses what it cannot read whole (fuzz/backup/fuzz_wal_segment.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sealmail::backup {

struct SegmentCommit {
  int64_t unix_ms = 0;
  std::string_view frames;  // whole frames, inside the parsed bytes; the last is a commit frame
  uint32_t count = 0;
};

struct Segment {
  uint32_t page_size = 0;
  std::vector<SegmentCommit> commits;  // commit times never decrease
};

struct SegmentLimits {
  size_t max_bytes = 512u << 20;
  uint32_t max_page_number = 1u << 28;  // 1 TiB of 4 KiB pages
};

Result<Segment> parse_segment(std::string_view bytes, const SegmentLimits& limits = {});

// Appends one commit to a segment being written (`out` empty: the segment header first).
void append_segment_commit(std::string& out, uint32_t page_size, int64_t unix_ms, std::string_view frames);

// Frame fields.
inline uint32_t frame_be32(const char* p) {
  auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}
inline constexpr size_t kFrameHeaderBytes = 24;

}  // namespace sealmail::backup

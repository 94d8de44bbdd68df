#include "backup/wal_segment.h"

namespace sealmail::backup {

namespace {

constexpr std::string_view kMagic = "SMWSEG01";

Error bad(const std::string& what) { return make_error(Errc::corrupt, "WAL segment: " + what); }

uint64_t be64(const char* p) { return (uint64_t{frame_be32(p)} << 32) | frame_be32(p + 4); }

void put32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace

Result<Segment> parse_segment(std::string_view in, const SegmentLimits& limits) {
  if (in.size() > limits.max_bytes) return bad("too large");
  if (in.size() < kMagic.size() + 4 || in.substr(0, kMagic.size()) != kMagic) return bad("not a segment");
  Segment seg;
  seg.page_size = frame_be32(in.data() + kMagic.size());
  if (seg.page_size < 512 || seg.page_size > 65536 || (seg.page_size & (seg.page_size - 1)) != 0)
    return bad("bad page size");
  size_t frame_size = kFrameHeaderBytes + seg.page_size;
  size_t pos = kMagic.size() + 4;
  int64_t last_ms = 0;
  while (pos < in.size()) {
    if (in.size() - pos < 12) return bad("a commit header is cut short");
    uint64_t ms = be64(in.data() + pos);
    uint32_t count = frame_be32(in.data() + pos + 8);
    pos += 12;
    if (ms > (uint64_t{1} << 62) || static_cast<int64_t>(ms) < last_ms) return bad("commit times go backwards");
    if (count == 0 || count > (in.size() - pos) / frame_size) return bad("a commit's frames are cut short");
    SegmentCommit c;
    c.unix_ms = static_cast<int64_t>(ms);
    c.count = count;
    c.frames = in.substr(pos, count * frame_size);
    for (uint32_t i = 0; i < count; ++i) {
      const char* f = c.frames.data() + i * frame_size;
      uint32_t page = frame_be32(f);
      if (page == 0 || page > limits.max_page_number) return bad("a frame has a bad page number");
      uint32_t commit_size = frame_be32(f + 4);
      if (commit_size > limits.max_page_number) return bad("a frame has a bad database size");
      if (i + 1 == count && commit_size == 0) return bad("a commit does not end with a commit frame");
    }
    pos += c.frames.size();
    last_ms = c.unix_ms;
    seg.commits.push_back(c);
  }
  if (seg.commits.empty()) return bad("no commit");
  return seg;
}

void append_segment_commit(std::string& out, uint32_t page_size, int64_t unix_ms, std::string_view frames) {
  if (out.empty()) {
    out.append(kMagic);
    put32(out, page_size);
  }
  auto ms = static_cast<uint64_t>(unix_ms);
  put32(out, static_cast<uint32_t>(ms >> 32));
  put32(out, static_cast<uint32_t>(ms & 0xffffffffu));
  put32(out, static_cast<uint32_t>(frames.size() / (kFrameHeaderBytes + page_size)));
  out.append(frames);
}

}  // namespace sealmail::backup

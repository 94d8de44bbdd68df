// libFuzzer target for the WAL segment parser (src/backup/wal_segment.h), which reads objects
// downloaded from a backup target for a restore to a point in time. Invariants:
//   1. limits hold: a valid page size, every frame inside the input with a page number in range,
//      each commit ending with a commit frame, commit times never decreasing;
//   2. round trip: the commits written back with append_segment_commit give the same bytes.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backup/wal_segment.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_wal_segment: invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sealmail::backup;
  SegmentLimits limits;
  limits.max_page_number = 1000;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto seg = parse_segment(in, limits);
  if (!seg) return 0;
  if (seg->page_size < 512 || seg->page_size > 65536) fail("page size out of range");
  size_t frame_size = kFrameHeaderBytes + seg->page_size;
  int64_t last = 0;
  std::string again;
  for (const auto& c : seg->commits) {
    if (c.unix_ms < last) fail("times go backwards");
    last = c.unix_ms;
    if (c.count == 0 || c.frames.size() != c.count * frame_size) fail("frames of a bad length");
    if (c.frames.data() < in.data() || c.frames.data() + c.frames.size() > in.data() + in.size())
      fail("frames outside the input");
    for (uint32_t i = 0; i < c.count; ++i) {
      uint32_t page = frame_be32(c.frames.data() + i * frame_size);
      if (page == 0 || page > limits.max_page_number) fail("page number out of range");
    }
    if (frame_be32(c.frames.data() + (c.count - 1) * frame_size + 4) == 0) fail("no commit frame at the end");
    append_segment_commit(again, seg->page_size, c.unix_ms, c.frames);
  }
  if (again != in) fail("round trip changed the bytes");
  return 0;
}

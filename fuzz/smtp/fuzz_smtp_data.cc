// libFuzzer target for message bodies (src/smtp/protocol: DataReader after DATA, BdatReader for
// BDAT chunks). The first byte picks the size cap (small, to cross it often, or 1 MiB), the second
// the BDAT chunk sizes; the rest is the stream, fed to both readers in chunks whose sizes come from
// the input. Invariants:
//   1. feeding does not matter: whole, fuzzer-chosen chunks and (up to 4 KiB) one byte at a time
//      give the same consumption, flags, size and message;
//   2. consumed <= input; size() <= max while !too_big(); take() has size() bytes when !too_big()
//      and none when too_big(); the memory held never passes twice the cap (nothing once too big);
//   3. DATA ends exactly after the first CRLF.CRLF of the stream (its start counting as after
//      CRLF), and the message and the smuggling flag equal those of a slow reference written from
//      RFC 5321 §4.5.2 and the smuggling rule (data_reader.h);
//   4. BDAT gives the chunk bytes exactly, and too_big() exactly when their total passes the cap.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/protocol/bdat_reader.h"
#include "smtp/protocol/data_reader.h"

namespace {

using namespace sealmail::smtp;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_smtp_data: invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

class ChunkSizes {
 public:
  explicit ChunkSizes(std::string_view source) : source_(source) {}
  size_t next() {
    if (source_.empty()) return 1;
    auto b = static_cast<unsigned char>(source_[source_.size() - 1 - pos_++ % source_.size()]);
    return b < 0x80 ? 1 + (b & 7) : 1 + (b & 0x7f) * 4;
  }

 private:
  std::string_view source_;
  size_t pos_ = 0;
};

enum class Feed { kWhole, kChunks, kBytes };

std::vector<std::string_view> cut(std::string_view in, Feed feed) {
  std::vector<std::string_view> out;
  ChunkSizes sizes(in);
  for (size_t pos = 0; pos < in.size();) {
    size_t n = feed == Feed::kWhole ? in.size() : feed == Feed::kBytes ? 1 : sizes.next();
    n = std::min(n, in.size() - pos);
    out.push_back(in.substr(pos, n));
    pos += n;
  }
  return out;
}

struct Outcome {
  size_t consumed = 0;
  bool done = false, too_big = false, smuggling = false;
  uint64_t size = 0;
  std::string message;
  bool operator==(const Outcome&) const = default;
};

Outcome run_data(std::string_view in, Feed feed, uint64_t max) {
  DataReader r(max);
  Outcome o;
  for (auto piece : cut(in, feed)) {
    size_t used = r.feed(piece);
    check(used <= piece.size(), "DATA consumed more than given");
    check(r.done() || used == piece.size(), "DATA stopped early without being done");
    o.consumed += used;
    check(r.too_big() || r.size() <= max, "DATA size over the cap without too_big");
    check(r.held_bytes() <= 2 * max + 64, "DATA holds more than twice the cap");
    check(!r.too_big() || r.held_bytes() <= 64, "DATA holds content after too_big");
    if (r.done()) break;
  }
  o.done = r.done();
  o.too_big = r.too_big();
  o.smuggling = r.smuggling();
  o.size = r.size();
  if (o.done) {
    o.message = r.take();
    check(o.too_big ? o.message.empty() : o.message.size() == o.size, "take() does not match size()");
  }
  return o;
}

// The slow reference: RFC 5321 §4.5.2 on the stream read as if "\r\n" came before it.
Outcome reference_data(std::string_view in, uint64_t max) {
  std::string s = "\r\n" + std::string(in);
  Outcome o;
  auto crlf_before = [&](size_t i) { return s[i - 1] == '\n' && s[i - 2] == '\r'; };
  size_t i = 2;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' && crlf_before(i)) {
      if (s.compare(i, 3, ".\r\n") == 0) {
        o.done = true;
        i += 3;
        break;
      }
      continue;  // the stuffing dot
    }
    o.message += s[i];
  }
  o.consumed = i - 2;
  // Smuggling: a dot between line-end bytes (CR or LF) on both sides, except CRLF "." CRLF; a dot
  // after CRLF followed by a CR whose next byte is not here yet is undecided.
  size_t end = o.done ? i - 3 : s.size();
  for (size_t p = 2; p < end; ++p) {
    if (s[p] != '.' || (s[p - 1] != '\r' && s[p - 1] != '\n')) continue;
    if (p + 1 >= s.size() || (s[p + 1] != '\r' && s[p + 1] != '\n')) continue;
    bool crlf_after = s[p + 1] == '\r' && p + 2 < s.size() && s[p + 2] == '\n';
    if (crlf_before(p) && s[p + 1] == '\r' && p + 2 >= s.size()) continue;
    if (!(crlf_before(p) && crlf_after)) o.smuggling = true;
  }
  o.size = o.done ? o.message.size() : 0;
  o.too_big = o.message.size() > max;
  if (o.too_big) o.message.clear();
  return o;
}

struct BdatOutcome {
  size_t consumed = 0;
  bool too_big = false;
  uint64_t size = 0;
  std::string message;
  bool operator==(const BdatOutcome&) const = default;
};

// Chunk boundaries (the sizes of the BDAT commands) come from `seed`, the last chunk is LAST.
BdatOutcome run_bdat(std::string_view in, Feed feed, uint64_t max, uint8_t seed) {
  BdatReader r(max);
  BdatOutcome o;
  auto pieces = cut(in, feed);
  size_t next = 0;
  std::string buf;
  uint64_t chunk = 1 + seed % 97;
  bool last = false;
  while (!last) {
    // The last chunk takes whatever is left of the stream (which may be nothing: BDAT 0 LAST).
    uint64_t left = in.size() - o.consumed;
    last = chunk >= left;
    r.begin_chunk(last ? left : chunk, last);
    check(r.last() == last, "last() differs from begin_chunk");
    while (true) {
      size_t used = r.feed(buf);
      check(used <= buf.size(), "BDAT consumed more than given");
      buf.erase(0, used);
      o.consumed += used;
      check(r.too_big() || r.size() <= max, "BDAT size over the cap without too_big");
      check(!r.too_big() || r.held_bytes() <= 64, "BDAT holds content after too_big");
      if (r.chunk_done()) break;
      check(next < pieces.size(), "BDAT chunk waits past the end of the stream");
      buf += pieces[next++];
    }
    chunk = 1 + (chunk * 31 + seed) % 257;
  }
  o.too_big = r.too_big();
  o.size = r.size();
  o.message = r.take();
  check(o.too_big ? o.message.empty() : o.message.size() == o.size, "BDAT take() does not match size()");
  check(r.size() == 0 && r.chunk_done(), "BDAT take() does not start afresh");
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint64_t max = data[0] < 0xC0 ? data[0] : uint64_t{1} << 20;
  uint8_t seed = data[1];
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);

  // DATA
  Outcome whole = run_data(in, Feed::kWhole, max);
  check(whole.consumed <= in.size(), "DATA consumed more than the input");
  if (!(run_data(in, Feed::kChunks, max) == whole)) fail("DATA chunked differs from whole");
  if (in.size() <= 4096 && !(run_data(in, Feed::kBytes, max) == whole)) fail("DATA byte at a time differs");
  Outcome ref = reference_data(in, max);
  check(whole.done == ref.done, "DATA end differs from the reference");
  check(whole.consumed == ref.consumed, "DATA consumption differs from the reference");
  check(whole.smuggling == ref.smuggling, "DATA smuggling flag differs from the reference");
  if (whole.done) {
    check(whole.too_big == ref.too_big, "DATA too_big differs from the reference");
    check(whole.message == ref.message && whole.size == ref.size, "DATA message differs from the reference");
  }

  // BDAT: the same bytes as chunks.
  BdatOutcome b = run_bdat(in, Feed::kWhole, max, seed);
  if (!(run_bdat(in, Feed::kChunks, max, seed) == b)) fail("BDAT chunked differs from whole");
  if (in.size() <= 4096 && !(run_bdat(in, Feed::kBytes, max, seed) == b)) fail("BDAT byte at a time differs");
  check(b.consumed == in.size(), "BDAT did not consume every chunk byte");
  check(b.too_big == (in.size() > max), "BDAT too_big wrong");
  check(b.too_big || b.message == in, "BDAT message is not the chunk bytes");
  return 0;
}

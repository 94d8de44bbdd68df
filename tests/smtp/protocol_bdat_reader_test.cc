// BdatReader (RFC 3030 §2): chunks collected into one message byte for byte, BDAT 0 LAST, the
// cap over all chunks, RSET. Fed whole, one byte at a time and in seeded random chunks.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "protocol_test_support.h"
#include "smtp/protocol/bdat_reader.h"

namespace sealmail::smtp {
namespace {

struct Chunk {
  uint64_t size;
  bool last;
};

struct Outcome {
  std::string message;
  std::string rest;  // the stream after the last chunk: the next commands
  bool too_big = false;
  uint64_t size = 0;
  bool operator==(const Outcome&) const = default;
};

// The stream holds each chunk's bytes back to back (the command lines are the session's); the
// stream is delivered in the given pieces, and the reader consumes from a buffer as the server does.
Outcome run(uint64_t max, const std::vector<Chunk>& chunks, const std::vector<std::string_view>& pieces) {
  BdatReader r(max);
  std::string buf;
  size_t next_piece = 0;
  for (const auto& c : chunks) {
    r.begin_chunk(c.size, c.last);
    EXPECT_EQ(r.last(), c.last);
    while (true) {
      size_t used = r.feed(buf);
      EXPECT_LE(used, buf.size());
      buf.erase(0, used);
      if (!r.too_big()) {
        EXPECT_LE(r.size(), max);
      }
      if (r.chunk_done()) break;
      if (next_piece == pieces.size()) break;  // the stream ended inside the chunk
      buf += pieces[next_piece++];
    }
  }
  for (; next_piece < pieces.size(); ++next_piece) buf += pieces[next_piece];
  Outcome o;
  o.too_big = r.too_big();
  o.size = r.size();
  o.message = r.take();
  o.rest = buf;
  EXPECT_EQ(r.size(), 0u) << "take() starts a new message";
  return o;
}

Outcome run_all_ways(uint64_t max, const std::vector<Chunk>& chunks, std::string_view stream) {
  Outcome whole = run(max, chunks, {stream});
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < stream.size(); ++i) bytes.push_back(stream.substr(i, 1));
  EXPECT_EQ(run(max, chunks, bytes), whole) << "byte at a time";
  std::mt19937_64 rng(test_seed());
  for (int round = 0; round < 30; ++round)
    EXPECT_EQ(run(max, chunks, random_chunks(stream, rng, 1 + round)), whole)
        << "seed " << test_seed() << " round " << round;
  return whole;
}

TEST(BdatReader, ChunksMakeOneMessage) {
  Outcome o = run_all_ways(1000, {{5, false}, {7, true}}, "Hello, world!QUIT\r\n");
  EXPECT_EQ(o.message, "Hello, world");
  EXPECT_EQ(o.rest, "!QUIT\r\n");
  EXPECT_FALSE(o.too_big);
  EXPECT_EQ(o.size, 12u);
}

TEST(BdatReader, BinaryContentIsKeptExactly) {
  // No dot-stuffing, no end marker: CRLF.CRLF, NULs and bare line ends are content.
  std::string content("a\r\n.\r\n\0\xff\n.\n\r", 12);
  Outcome o = run_all_ways(1000, {{content.size(), true}}, content + "RSET\r\n");
  EXPECT_EQ(o.message, content);
  EXPECT_EQ(o.rest, "RSET\r\n");
}

TEST(BdatReader, ZeroLast) {
  // RFC 3030 §2: "BDAT 0 LAST" ends the message, alone or after other chunks.
  Outcome alone = run_all_ways(1000, {{0, true}}, "QUIT\r\n");
  EXPECT_EQ(alone.message, "");
  EXPECT_EQ(alone.rest, "QUIT\r\n");
  Outcome after = run_all_ways(1000, {{3, false}, {2, false}, {0, true}}, "abcdeQUIT\r\n");
  EXPECT_EQ(after.message, "abcde");
  EXPECT_EQ(after.rest, "QUIT\r\n");
  BdatReader r(10);
  r.begin_chunk(0, true);
  EXPECT_TRUE(r.chunk_done());
  EXPECT_TRUE(r.last());
  EXPECT_EQ(r.feed("xyz"), 0u);
}

TEST(BdatReader, CapOverAllChunks) {
  // At the cap: fine.
  Outcome at = run_all_ways(10, {{6, false}, {4, true}}, "0123456789");
  EXPECT_FALSE(at.too_big);
  EXPECT_EQ(at.message, "0123456789");
  // Over it: every chunk byte is still consumed, the content is gone.
  Outcome over = run_all_ways(10, {{6, false}, {6, false}, {3, true}}, "012345678901abcNOOP\r\n");
  EXPECT_TRUE(over.too_big);
  EXPECT_EQ(over.message, "");
  EXPECT_EQ(over.rest, "NOOP\r\n");
  EXPECT_EQ(over.size, 15u);
}

TEST(BdatReader, NoGrowthAfterTooBig) {
  BdatReader r(1000);
  std::string piece(4096, 'x');
  r.begin_chunk(uint64_t{1} << 30, false);  // a declared 1 GiB chunk: too big before any byte
  EXPECT_TRUE(r.too_big());
  for (int i = 0; i < 256; ++i) {
    ASSERT_EQ(r.feed(piece), piece.size());
    EXPECT_LT(r.held_bytes(), 64u);
  }
  EXPECT_FALSE(r.chunk_done());
  EXPECT_EQ(r.size(), 256u * 4096u);
}

TEST(BdatReader, ResetDropsEverything) {
  BdatReader r(100);
  r.begin_chunk(10, false);
  EXPECT_EQ(r.feed("01234"), 5u);
  EXPECT_FALSE(r.chunk_done());
  r.reset();
  EXPECT_TRUE(r.chunk_done());
  EXPECT_FALSE(r.last());
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.feed("56789"), 0u);
  r.begin_chunk(2, true);
  EXPECT_EQ(r.feed("ok"), 2u);
  EXPECT_EQ(r.take(), "ok");
  // After too_big, reset() makes a fresh message possible.
  r.begin_chunk(1000, true);
  EXPECT_TRUE(r.too_big());
  r.reset();
  EXPECT_FALSE(r.too_big());
}

TEST(BdatReader, BeforeAnyChunk) {
  BdatReader r(100);
  EXPECT_TRUE(r.chunk_done());
  EXPECT_EQ(r.feed("abc"), 0u);
  EXPECT_EQ(r.take(), "");
}

TEST(BdatReader, RandomChunkingsAgree) {
  std::mt19937_64 rng(test_seed());
  for (int round = 0; round < 200; ++round) {
    std::vector<Chunk> chunks;
    std::string stream;
    size_t n = 1 + rng() % 5;
    for (size_t i = 0; i < n; ++i) {
      uint64_t size = rng() % 50;
      chunks.push_back({size, i + 1 == n});
      for (uint64_t k = 0; k < size; ++k) stream += static_cast<char>(rng() % 256);
    }
    std::string content = stream;
    stream += "QUIT\r\n";
    uint64_t max = rng() % 2 ? 1000 : rng() % 100;
    SCOPED_TRACE("seed " + std::to_string(test_seed()) + " round " + std::to_string(round));
    Outcome o = run_all_ways(max, chunks, stream);
    EXPECT_EQ(o.rest, "QUIT\r\n");
    EXPECT_EQ(o.too_big, content.size() > max);
    EXPECT_EQ(o.message, o.too_big ? "" : content);
  }
}

}  // namespace
}  // namespace sealmail::smtp

// DataReader (RFC 5321 §4.1.1.4, §4.5.2): the end of data is CRLF "." CRLF only; dot-unstuffing;
// every other byte kept as received; the cap; SMTP smuggling sequences flagged. Each case is fed
// whole, one byte at a time and in seeded random chunks, with the same result.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "protocol_test_support.h"
#include "smtp/protocol/data_reader.h"

namespace sealmail::smtp {
namespace {

struct Outcome {
  size_t consumed = 0;
  bool done = false;
  bool too_big = false;
  bool smuggling = false;
  uint64_t size = 0;
  std::string message;
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{consumed=" << o.consumed << " done=" << o.done << " too_big=" << o.too_big
            << " smuggling=" << o.smuggling << " size=" << o.size << " message=" << ::testing::PrintToString(o.message)
            << "}";
}

// Feeds as the server does: each chunk until the reader stops taking bytes.
Outcome run(uint64_t max, const std::vector<std::string_view>& chunks) {
  DataReader r(max);
  Outcome o;
  for (auto chunk : chunks) {
    size_t used = r.feed(chunk);
    EXPECT_LE(used, chunk.size());
    o.consumed += used;
    if (r.done()) break;
    EXPECT_EQ(used, chunk.size()) << "stopped before the end without being done";
    if (!r.too_big()) {
      EXPECT_LE(r.size(), max);
    }
  }
  o.done = r.done();
  o.too_big = r.too_big();
  o.smuggling = r.smuggling();
  o.size = r.size();
  if (o.done) o.message = r.take();
  return o;
}

Outcome run_all_ways(std::string_view in, uint64_t max = 1 << 20) {
  Outcome whole = run(max, {in});
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < in.size(); ++i) bytes.push_back(in.substr(i, 1));
  EXPECT_EQ(run(max, bytes), whole) << "byte at a time";
  std::mt19937_64 rng(test_seed());
  for (int round = 0; round < 30; ++round)
    EXPECT_EQ(run(max, random_chunks(in, rng, 1 + round)), whole) << "seed " << test_seed() << " round " << round;
  return whole;
}

struct Row {
  std::string input;
  std::string message;  // what take() gives
  size_t consumed;      // where the data ended (npos: not ended)
  bool smuggling = false;
};

constexpr size_t kNotEnded = std::string::npos;

void check_rows(const std::vector<Row>& rows) {
  for (const auto& row : rows) {
    SCOPED_TRACE(::testing::PrintToString(row.input));
    Outcome o = run_all_ways(row.input);
    if (row.consumed == kNotEnded) {
      EXPECT_FALSE(o.done);
      EXPECT_EQ(o.consumed, row.input.size());
    } else {
      EXPECT_TRUE(o.done);
      EXPECT_EQ(o.consumed, row.consumed);
      EXPECT_EQ(o.message, row.message);
      EXPECT_EQ(o.size, row.message.size());
    }
    EXPECT_EQ(o.smuggling, row.smuggling);
    EXPECT_FALSE(o.too_big);
  }
}

TEST(DataReader, EndOfData) {
  check_rows({
      {".\r\n", "", 3},            // the start counts as after a CRLF
      {".\r\nQUIT\r\n", "", 3},    // pipelined commands after the end stay
      {"a\r\n.\r\n", "a\r\n", 6},  // the CRLF before the dot is the message's
      {"Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n", "Subject: x\r\n\r\nbody\r\n", 23},
      {"\r\n.\r\n", "\r\n", 5},
      {"a\r\n", "", kNotEnded},
      {"a\r\n.", "", kNotEnded},
      {"a\r\n.\r", "", kNotEnded},
      {"a.\r\n", "", kNotEnded},
      {"", "", kNotEnded},
  });
}

TEST(DataReader, DotUnstuffing) {
  // RFC 5321 §4.5.2: a line starting with "." has it removed.
  check_rows({
      {"..\r\n.\r\n", ".\r\n", 7},
      {"...\r\n.\r\n", "..\r\n", 8},
      {".foo\r\n.\r\n", "foo\r\n", 9},
      {"a\r\n..b\r\n.\r\n", "a\r\n.b\r\n", 11},
      {"a\r\n..\r\n..\r\n.\r\n", "a\r\n.\r\n.\r\n", 14},
      {". \r\n.\r\n", " \r\n", 7},
      {"a.b\r\n.\r\n", "a.b\r\n", 8},                  // not at a line start
      {"a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n", 10, true},  // dot line ended by a bare CR: flagged
  });
}

TEST(DataReader, ByteExact) {
  // Bare CR, bare LF, NUL and 8-bit bytes are kept; nothing is normalized.
  check_rows({
      {"a\rb\nc\r\n.\r\n", "a\rb\nc\r\n", 10},
      {"\n\r\n.\r\n", "\n\r\n", 6},
      {std::string("a\0b\xff\r\n.\r\n", 9), std::string("a\0b\xff\r\n", 6), 9},
      {"a\n.b\r\n.\r\n", "a\n.b\r\n", 9},  // a dot after a bare LF is not stuffing
      {"line\r\r\n.\r\n", "line\r\r\n", 10},
      {"no final newline\r\n.\r\n", "no final newline\r\n", 21},
  });
}

TEST(DataReader, SmugglingIsFlaggedAndNotAnEnd) {
  // Each of these has been taken as the end of data by some server (SEC Consult, 2023): they must
  // not end it here, and the message is flagged for rejection.
  check_rows({
      {"a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", 10, true},      // <LF>.<LF>
      {"a\n.\r\nb\r\n.\r\n", "a\n.\r\nb\r\n", 11, true},  // <LF>.<CR><LF>
      {"a\r\n.\nb\r\n.\r\n", "a\r\n\nb\r\n", 11, true},   // <CR><LF>.<LF> (the dot is stuffing)
      {"a\r.\rb\r\n.\r\n", "a\r.\rb\r\n", 10, true},      // <CR>.<CR>
      {"a\r.\r\nb\r\n.\r\n", "a\r.\r\nb\r\n", 11, true},  // <CR>.<CR><LF>
      {"a\r\n.\rb\r\n.\r\n", "a\r\n\rb\r\n", 11, true},   // <CR><LF>.<CR>
      {"a\r.\nb\r\n.\r\n", "a\r.\nb\r\n", 10, true},      // <CR>.<LF>
      {".\nb\r\n.\r\n", "\nb\r\n", 8, true},              // at the start
      {"a\n.\n", "", kNotEnded, true},                    // and never the end
      {"a\n.\r\n", "", kNotEnded, true},
      {"a\r\n.\n", "", kNotEnded, true},
      // Smuggled commands after a fake end stay inside the message.
      {"x\n.\nMAIL FROM:<evil@example.org>\r\n.\r\n", "x\n.\nMAIL FROM:<evil@example.org>\r\n", 37, true},
  });
  // Dots next to bare line ends that are not alone on their line are fine.
  check_rows({
      {"a\n.x\r\n.\r\n", "a\n.x\r\n", 9},
      {"a\nx.\n\r\n.\r\n", "a\nx.\n\r\n", 10},
      {"a\n..\n\r\n.\r\n", "a\n..\n\r\n", 10},
  });
}

TEST(DataReader, CapDropsContentButReadsToTheEnd) {
  std::string body = "0123456789\r\n";  // 12 bytes
  // Exactly at the cap: accepted.
  Outcome at = run_all_ways(body + ".\r\n", 12);
  EXPECT_TRUE(at.done);
  EXPECT_FALSE(at.too_big);
  EXPECT_EQ(at.message, body);
  // One byte over: too big, but the data is still read to its end and no further.
  Outcome over = run_all_ways(body + ".\r\nQUIT\r\n", 11);
  EXPECT_TRUE(over.done);
  EXPECT_TRUE(over.too_big);
  EXPECT_EQ(over.consumed, 15u);
  EXPECT_EQ(over.message, "");
  EXPECT_EQ(over.size, 12u);  // counted on past the cap
}

TEST(DataReader, NoGrowthAfterTooBig) {
  DataReader r(1000);
  std::string line(998, 'x');
  line += "\r\n";
  size_t peak = 0;
  for (int i = 0; i < 1000; ++i) {  // 1 MB against a 1000-byte cap
    ASSERT_EQ(r.feed(line), line.size());
    if (r.too_big()) {
      EXPECT_LT(r.held_bytes(), 64u) << "after " << i << " lines";
    }
    peak = std::max(peak, r.held_bytes());
  }
  EXPECT_TRUE(r.too_big());
  EXPECT_LE(peak, 2000u);
  EXPECT_EQ(r.feed(".\r\n"), 3u);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.size(), 1000u * 1000u);
  EXPECT_EQ(r.take(), "");
}

TEST(DataReader, NothingTakenAfterDone) {
  DataReader r(100);
  EXPECT_EQ(r.feed("a\r\n.\r\nb"), 6u);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.feed("more\r\n.\r\n"), 0u);
  EXPECT_EQ(r.take(), "a\r\n");
}

TEST(DataReader, RandomMessagesAgree) {
  // Random bodies over an alphabet rich in CR, LF and dots: every feeding gives the same outcome,
  // and an unflagged message taken whole equals the input with the stuffing rule undone by hand.
  std::mt19937_64 rng(test_seed());
  const char alphabet[] = {'\r', '\n', '.', 'a', '\r', '\n', '.', 'b'};
  for (int round = 0; round < 500; ++round) {
    std::string in;
    size_t len = rng() % 60;
    for (size_t i = 0; i < len; ++i) in += alphabet[rng() % sizeof alphabet];
    in += "\r\n.\r\n";
    uint64_t max = rng() % 2 ? 1 << 20 : rng() % 40;
    SCOPED_TRACE("seed " + std::to_string(test_seed()) + " round " + std::to_string(round));
    Outcome o = run_all_ways(in, max);
    ASSERT_TRUE(o.done);
    EXPECT_LE(o.consumed, in.size());
    if (o.too_big) {
      EXPECT_EQ(o.message, "");
    } else {
      EXPECT_EQ(o.message.size(), o.size);
    }
  }
}

}  // namespace
}  // namespace sealmail::smtp

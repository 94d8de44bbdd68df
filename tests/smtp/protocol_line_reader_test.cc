// LineReader (RFC 5321 §2.3.8, §4.5.3.1.4): lines cut the same whether the stream arrives whole,
// one byte at a time or in seeded random chunks; the limit counts the line ending; recovery after
// an overlong line as the server does it (drop through the next LF).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "protocol_test_support.h"
#include "smtp/protocol/line_reader.h"

namespace sealmail::smtp {
namespace {

// "text" for a line, "!" for TooLong.
using Events = std::vector<std::string>;

// Drives the reader as smtp/server's session does: its own buffer, erasing what was consumed,
// and after TooLong dropping input through the next LF.
Events drive(const LineReader& reader, const std::vector<std::string_view>& chunks) {
  Events out;
  std::string buf;
  bool discarding = false;
  for (auto chunk : chunks) {
    buf += chunk;
    while (true) {
      if (discarding) {
        size_t lf = buf.find('\n');
        if (lf == std::string::npos) {
          buf.clear();
          break;
        }
        buf.erase(0, lf + 1);
        discarding = false;
      }
      auto next = reader.next(buf);
      if (std::holds_alternative<LineReader::NeedMore>(next)) break;
      if (auto* t = std::get_if<LineReader::TooLong>(&next)) {
        EXPECT_GT(t->consumed, 0u);
        EXPECT_LE(t->consumed, buf.size());
        bool ended = buf[t->consumed - 1] == '\n';
        buf.erase(0, t->consumed);
        discarding = !ended;
        out.emplace_back("!");
        continue;
      }
      auto& line = std::get<LineReader::Line>(next);
      EXPECT_LE(line.consumed, buf.size());
      EXPECT_LE(line.consumed, reader.max_line());
      EXPECT_EQ(line.text.data(), buf.data());  // a view into the buffer
      out.emplace_back(line.text);
      buf.erase(0, line.consumed);
    }
  }
  return out;
}

Events whole(const LineReader& r, std::string_view in) { return drive(r, {in}); }

Events bytes(const LineReader& r, std::string_view in) {
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < in.size(); ++i) chunks.push_back(in.substr(i, 1));
  return drive(r, chunks);
}

void expect_all_feeds(const LineReader& r, std::string_view in, const Events& expected) {
  EXPECT_EQ(whole(r, in), expected);
  EXPECT_EQ(bytes(r, in), expected);
  std::mt19937_64 rng(test_seed());
  for (int round = 0; round < 50; ++round) {
    auto chunks = random_chunks(in, rng, 1 + round * 3);
    ASSERT_EQ(drive(r, chunks), expected) << "seed " << test_seed() << " round " << round;
  }
}

TEST(LineReader, PipelinedCommands) {
  // RFC 2920 §3.1: a client may send a group of commands at once.
  LineReader r;
  expect_all_feeds(r, "EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n",
                   {"EHLO a.example", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "DATA"});
}

TEST(LineReader, BareLfAndStrayCr) {
  LineReader r;
  // A bare LF ends a command line; only the CR just before the LF is dropped.
  expect_all_feeds(r, "NOOP\nQUIT\r\n", {"NOOP", "QUIT"});
  expect_all_feeds(r, "NO\rOP\r\n", {"NO\rOP"});
  expect_all_feeds(r, "NOOP\r\r\n", {"NOOP\r"});
  expect_all_feeds(r, "\r\n\n", {"", ""});
}

TEST(LineReader, IncompleteLineWaits) {
  LineReader r;
  EXPECT_TRUE(std::holds_alternative<LineReader::NeedMore>(r.next("")));
  EXPECT_TRUE(std::holds_alternative<LineReader::NeedMore>(r.next("MAIL FROM:<a@b>")));
  EXPECT_TRUE(std::holds_alternative<LineReader::NeedMore>(r.next("MAIL FROM:<a@b>\r")));
  auto got = r.next("MAIL FROM:<a@b>\r\nRCPT");
  ASSERT_TRUE(std::holds_alternative<LineReader::Line>(got));
  EXPECT_EQ(std::get<LineReader::Line>(got).consumed, 17u);
  EXPECT_EQ(std::get<LineReader::Line>(got).text, "MAIL FROM:<a@b>");
}

TEST(LineReader, LimitCountsTheLineEnding) {
  LineReader r(64);
  std::string fits(62, 'x');  // 62 + CRLF = 64
  std::string over(63, 'y');  // 63 + CRLF = 65
  expect_all_feeds(r, fits + "\r\nNOOP\r\n", {fits, "NOOP"});
  expect_all_feeds(r, over + "\r\nNOOP\r\n", {"!", "NOOP"});
  // With a bare LF, 63 + LF = 64 fits.
  expect_all_feeds(r, over + "\nNOOP\r\n", {over, "NOOP"});
}

TEST(LineReader, OverlongLineIsDroppedThroughItsEnd) {
  LineReader r(32);
  std::string huge(1000, 'z');
  expect_all_feeds(r, "NOOP\r\n" + huge + "\r\nQUIT\r\n", {"NOOP", "!", "QUIT"});
  // Two overlong lines in a row, then a good one.
  expect_all_feeds(r, huge + "\n" + huge + "\r\nRSET\r\n", {"!", "!", "RSET"});
  // The overlong line's end is the first LF, even if it comes much later.
  expect_all_feeds(r, huge + huge + "\nDATA\r\n", {"!", "DATA"});
  // Overlong and never ended: one answer, nothing else.
  expect_all_feeds(r, huge, {"!"});
}

TEST(LineReader, TooLongConsumedIsWhatWasBuffered) {
  LineReader r(16);
  std::string buf(40, 'a');
  auto got = r.next(buf);
  ASSERT_TRUE(std::holds_alternative<LineReader::TooLong>(got));
  EXPECT_EQ(std::get<LineReader::TooLong>(got).consumed, 40u);
  got = r.next(buf + "\r\nNOOP\r\n");
  ASSERT_TRUE(std::holds_alternative<LineReader::TooLong>(got));
  EXPECT_EQ(std::get<LineReader::TooLong>(got).consumed, 42u);
  // Exactly max_line bytes without an LF: the LF can only come later, so it is too long already.
  got = r.next(std::string(16, 'a'));
  EXPECT_TRUE(std::holds_alternative<LineReader::TooLong>(got));
  got = r.next(std::string(15, 'a'));
  EXPECT_TRUE(std::holds_alternative<LineReader::NeedMore>(got));
}

TEST(LineReader, DefaultsAndMinimum) {
  EXPECT_EQ(LineReader().max_line(), 2048u);
  EXPECT_EQ(LineReader(1).max_line(), LineReader::kMinLine);
  LineReader r(LineReader::kRfcMaxLine);
  std::string rfc_max(510, 'm');
  expect_all_feeds(r, rfc_max + "\r\n", {rfc_max});
  expect_all_feeds(r, rfc_max + "m\r\n", {"!"});
}

TEST(LineReader, RandomStreamsAgree) {
  // Random streams of short and long lines with CRLF, LF and stray CRs: byte-at-a-time and random
  // chunks give what the whole stream gives.
  std::mt19937_64 rng(test_seed());
  LineReader r(48);
  for (int round = 0; round < 200; ++round) {
    std::string in;
    int lines = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < lines; ++i) {
      size_t len = rng() % 4 == 0 ? rng() % 200 : rng() % 40;
      for (size_t k = 0; k < len; ++k) in += rng() % 30 == 0 ? '\r' : static_cast<char>('a' + rng() % 26);
      in += rng() % 3 == 0 ? "\n" : "\r\n";
    }
    auto expected = whole(r, in);
    ASSERT_EQ(bytes(r, in), expected) << "seed " << test_seed() << " round " << round;
    ASSERT_EQ(drive(r, random_chunks(in, rng, 64)), expected) << "seed " << test_seed() << " round " << round;
  }
}

}  // namespace
}  // namespace sealmail::smtp

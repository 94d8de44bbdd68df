// Continuous protection (src/backup/continuous.h, wal_segment.h, wal_shipper.h; src/store/
// wal_capture.h): the segment parser refuses what it cannot read whole; times parse as documented;
// and a mailbox written through many log restarts rebuilds, from a folder target, to exactly the
// messages committed by each chosen time.
#include "backup/continuous.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "backup/folder_target.h"
#include "backup/wal_segment.h"
#include "backup/wal_shipper.h"
#include "store/registry.h"
#include "store/test_support.h"
#include "store/wal_capture.h"

namespace sealmail::backup {
namespace {

std::string frame(uint32_t page, uint32_t commit_size, uint32_t page_size = 512) {
  std::string f;
  for (uint32_t v : {page, commit_size, 7u, 9u, 1u, 2u})
    for (int shift = 24; shift >= 0; shift -= 8) f.push_back(static_cast<char>((v >> shift) & 0xff));
  f.append(page_size, static_cast<char>(page));
  return f;
}

TEST(WalSegment, RoundTripsCommitsWithTheirTimes) {
  std::string seg;
  append_segment_commit(seg, 512, 1764000000000, frame(1, 0) + frame(3, 3));
  append_segment_commit(seg, 512, 1764000000250, frame(2, 3));
  auto parsed = parse_segment(seg);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->page_size, 512u);
  ASSERT_EQ(parsed->commits.size(), 2u);
  EXPECT_EQ(parsed->commits[0].unix_ms, 1764000000000);
  EXPECT_EQ(parsed->commits[0].count, 2u);
  EXPECT_EQ(parsed->commits[1].frames, frame(2, 3));
}

TEST(WalSegment, RefusesWhatItCannotReadWhole) {
  std::string good;
  append_segment_commit(good, 512, 1764000000000, frame(1, 1));
  EXPECT_TRUE(parse_segment(good));
  EXPECT_FALSE(parse_segment(good.substr(0, good.size() - 1)));  // a frame cut short
  EXPECT_FALSE(parse_segment("SMWSEG01"));                       // no page size
  EXPECT_FALSE(parse_segment(good.substr(0, 12)));               // no commit
  std::string wrong_magic = good;
  wrong_magic[0] = 'X';
  EXPECT_FALSE(parse_segment(wrong_magic));
  std::string no_commit_frame;
  append_segment_commit(no_commit_frame, 512, 1764000000000, frame(1, 0));
  EXPECT_FALSE(parse_segment(no_commit_frame));
  std::string page_zero;
  append_segment_commit(page_zero, 512, 1764000000000, frame(0, 1));
  EXPECT_FALSE(parse_segment(page_zero));
  std::string backwards;
  append_segment_commit(backwards, 512, 1764000000500, frame(1, 1));
  append_segment_commit(backwards, 512, 1764000000499, frame(1, 1));
  EXPECT_FALSE(parse_segment(backwards));
  std::string odd_page;
  append_segment_commit(odd_page, 1000, 1764000000000, frame(1, 1, 1000));
  EXPECT_FALSE(parse_segment(odd_page));
}

TEST(PointInTime, ParsesUtcTimesOnly) {
  EXPECT_EQ(parse_point_in_time("2026-11-24T05:30:00Z"), 1795498200000);
  EXPECT_EQ(parse_point_in_time("2026-11-24T05:30:00.250Z"), 1795498200250);
  for (const char* bad : {"2026-11-24 05:30:00Z", "2026-11-24T05:30:00", "2026-11-24T05:30:00+01:00",
                          "2026-13-24T05:30:00Z", "2026-11-24T25:30:00Z", "2026-11-24T05:30:00.25Z", "", "latest"})
    EXPECT_FALSE(parse_point_in_time(bad)) << bad;
  EXPECT_EQ(compact_time(1795498200250), "20261124T053000.250Z");
  EXPECT_EQ(parse_compact_time("20261124T053000.250Z"), 1795498200250);
  EXPECT_EQ(iso_time(1795498200250), "2026-11-24T05:30:00.250Z");
}

uint32_t wal_salt1(const std::filesystem::path& mailbox_file) {
  auto wal = mailbox_file;
  wal += "-wal";
  std::ifstream in(wal, std::ios::binary);
  unsigned char h[32] = {};
  in.read(reinterpret_cast<char*>(h), sizeof h);
  return (uint32_t{h[16]} << 24) | (uint32_t{h[17]} << 16) | (uint32_t{h[18]} << 8) | h[19];
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(ContinuousProtection, RebuildsToEachPointThroughLogRestarts) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "mailboxes");
  auto file = dir / "mailboxes" / "m1.sqlite";
  auto password = crypto::SecretBuffer::from(std::string_view("a password for the test"));
  store::Options options;
  options.durable = false;
  auto registry = std::make_shared<store::MailboxRegistry>(options);
  auto mailbox = registry->acquire("m1", file, password, true);
  ASSERT_TRUE(mailbox) << mailbox.error().message;

  BackupConfig config;
  config.target = "folder";
  config.folder = dir / "target";
  config.continuous = true;
  WalShipper shipper(registry, config, dir / "work", std::make_unique<FolderTarget>(config.folder));
  shipper.pass();  // the base
  ASSERT_TRUE(store::wal_capture_active(**mailbox));

  // About 24 MB of pages: the log passes its checkpoint threshold (1,000 frames) several times and
  // restarts from its beginning after the background checkpoints.
  uint32_t salt_before = wal_salt1(file);
  std::vector<std::pair<int64_t, size_t>> points;  // (time after the batch, messages by then)
  size_t stored = 0;
  for (int batch = 0; batch < 40; ++batch) {
    std::vector<store::AppendRequest> requests;
    for (int i = 0; i < 10; ++i) {
      store::AppendRequest r;
      r.message = "From: a@example.org\r\nSubject: " + std::to_string(batch) + "-" + std::to_string(i) + "\r\n\r\n" +
                  std::string(40000 + i, static_cast<char>('a' + (batch + i) % 26)) + "\r\n";
      requests.push_back(std::move(r));
    }
    ASSERT_TRUE((*mailbox)->append_batch(requests));
    stored += requests.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    points.emplace_back(now_ms(), stored);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (batch % 3 == 0) shipper.pass();
  }
  EXPECT_NE(wal_salt1(file), salt_before) << "the log never restarted: the test does not show what it should";
  ASSERT_TRUE(store::wal_capture_active(**mailbox)) << "the capture ended on its own";
  shipper.pass();
  EXPECT_EQ(shipper.stats().queued_bytes, 0u);
  EXPECT_EQ(shipper.stats().generations, 1u);
  mailbox->reset();  // closed: every commit captured is uploaded at the next pass
  shipper.pass();

  FolderTarget target(config.folder);
  for (size_t k : {size_t{0}, size_t{7}, size_t{20}, points.size() - 1}) {
    auto dest = dir / ("rebuilt-" + std::to_string(k) + ".sqlite");
    auto r = rebuild_at(target, config.prefix, "m1", points[k].first, dest, dir / "work");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(r->gap);
    store::Options check_options;
    check_options.create_default_folders = false;
    auto m = store::Mailbox::open(dest, password, check_options);
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_TRUE((*m)->check()) << "point " << k;
    auto q = (*m)->quota();
    ASSERT_TRUE(q);
    EXPECT_EQ(q->messages, points[k].second) << "point " << k;
  }
  // Before the generation began: nothing to restore, said plainly.
  auto early = rebuild_at(target, config.prefix, "m1", 1000, dir / "early.sqlite", dir / "work");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Errc::not_found);
}

TEST(ContinuousProtection, KeepsTheNewestGenerations) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "mailboxes");
  auto file = dir / "mailboxes" / "m2.sqlite";
  auto password = crypto::SecretBuffer::from(std::string_view("another password"));
  store::Options options;
  options.durable = false;
  auto registry = std::make_shared<store::MailboxRegistry>(options);
  BackupConfig config;
  config.target = "folder";
  config.folder = dir / "target";
  config.continuous = true;
  config.keep = 2;
  WalShipper shipper(registry, config, dir / "work", std::make_unique<FolderTarget>(config.folder));
  FolderTarget target(config.folder);
  for (int open = 0; open < 4; ++open) {
    auto mailbox = registry->acquire("m2", file, password, true);  // each open starts a generation
    ASSERT_TRUE(mailbox) << mailbox.error().message;
    shipper.pass();
    store::AppendRequest r;
    r.message = "Subject: " + std::to_string(open) + "\r\n\r\nbody\r\n";
    ASSERT_TRUE((*mailbox)->append(r));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // generations are named by the millisecond
  }
  shipper.pass();
  auto gens = list_generations(target, config.prefix, "m2");
  ASSERT_TRUE(gens);
  ASSERT_EQ(gens->size(), 2u);
  for (const auto& g : *gens) EXPECT_TRUE(g.has_base);
}

}  // namespace
}  // namespace sealmail::backup

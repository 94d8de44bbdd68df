// The sealed spool (store/spool.h, DESIGN.md point 4): what the SMTP router and the login code rely
// on. Mail sealed while the owner is away comes back byte-exact, in arrival order, with its
// internal date; nothing in the spool is readable without the mailbox; a crash at any point
// neither loses nor duplicates; a damaged entry stays for the operator and blocks nothing else.
#include "store/spool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "core/fs.h"
#include "core/time.h"
#include "store/mailbox.h"
#include "store/test_support.h"

namespace sealmail::store {
namespace {

using testing::TempDir;

const std::string kPassword = "correct horse battery staple";
const std::string kId = "0123456789abcdef01234567";

std::string message(const std::string& subject, const std::string& body) {
  return "From: Alice Sender <alice.sender@example.org>\r\nTo: bob@example.com\r\nSubject: " + subject +
         "\r\nMessage-ID: <" + subject + "@example.org>\r\n\r\n" + body + "\r\n";
}

// A body of `size` bytes that is not one repeated byte (so that a leak of any part would show).
std::string body_of(size_t size, const std::string& marker) {
  std::string b;
  b.reserve(size + marker.size());
  uint32_t x = 12345;
  while (b.size() < size) {
    if (b.size() % 4096 == 0) b += marker + "\r\n";
    x = x * 1103515245 + 12345;
    b += static_cast<char>('A' + (x >> 16) % 26);
    if (b.size() % 78 == 76) b += "\r\n";
  }
  b.resize(size);
  return b;
}

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = Mailbox::create(dir_ / "mailbox.sqlite", testing::secret(kPassword));
    ASSERT_TRUE(m.ok()) << m.error().message;
    mailbox_ = std::move(*m);
    auto kp = mailbox_->box_key_pair();
    ASSERT_TRUE(kp.ok());
    public_key_ = kp->public_key;
  }
  std::filesystem::path spool_root() const { return dir_ / "spool"; }
  std::filesystem::path folder() const { return spool_root() / kId; }
  std::vector<std::filesystem::path> files() const {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(folder(), ec)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  void put(const std::string& raw, int64_t date = 1700000000) {
    auto st = spool_.append(kId, public_key_, raw, date);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  size_t drain_ok() {
    auto n = spool_.drain(kId, *mailbox_);
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : 0;
  }
  std::vector<std::string> inbox() {
    auto list = mailbox_->list_messages("INBOX", all_uids(), false);
    EXPECT_TRUE(list.ok());
    std::vector<std::string> out;
    for (const auto& m : *list) out.push_back(*mailbox_->fetch_raw("INBOX", m.uid));
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Mailbox> mailbox_;
  std::array<uint8_t, 32> public_key_{};
  Spool spool_{dir_ / "spool"};
};

TEST_F(SpoolTest, SealedMessageComesBackByteExactWithItsInternalDate) {
  // Bare LF, 8-bit bytes, a NUL and no final newline: returned exactly as received.
  std::string raw = message("round trip", "caf\xc3\xa9 line\nbare LF\r\nNUL:") + std::string(1, '\0') + "end";
  put(raw, 1600000000);
  ASSERT_EQ(files().size(), 1u);
  EXPECT_EQ(drain_ok(), 1u);
  ASSERT_EQ(inbox(), std::vector<std::string>{raw});
  auto list = mailbox_->list_messages("INBOX");
  EXPECT_EQ(list->front().internal_date, iso8601_utc(1600000000));
  EXPECT_TRUE(files().empty());
  EXPECT_EQ(*spool_.bytes(kId), 0u);
  EXPECT_EQ(drain_ok(), 0u);
  EXPECT_EQ(inbox().size(), 1u);
}

TEST_F(SpoolTest, LargeMessagesAreStreamedInChunks) {
  // Past the sealed-box limit: an odd size, an exact multiple of the chunk, and one byte over.
  std::vector<std::string> raws = {
      message("large odd", body_of(3 * 1024 * 1024 + 5, "x")),
      message("", "") + body_of(5 * Spool::kChunkBytes - message("", "").size(), "y"),
      message("just over", body_of(Spool::kBoxMaxBytes, "z")),
      message("at the limit", "") + body_of(Spool::kBoxMaxBytes - message("at the limit", "").size(), "w"),
  };
  ASSERT_EQ(raws[1].size(), 5 * Spool::kChunkBytes);
  ASSERT_EQ(raws[3].size(), Spool::kBoxMaxBytes);
  for (size_t i = 0; i < raws.size(); ++i) put(raws[i], 1700000000 + static_cast<int64_t>(i));
  auto f = files();
  ASSERT_EQ(f.size(), 4u);
  for (size_t i = 0; i < f.size(); ++i) {
    auto bytes = testing::read_bytes(f[i]);
    EXPECT_EQ(bytes.substr(0, 8), std::string("SMSPOOL\x01"));
    EXPECT_EQ(bytes[8], i == 3 ? 1 : 2) << "mode of entry " << i;
  }
  EXPECT_EQ(drain_ok(), 4u);
  EXPECT_EQ(inbox(), raws);
  auto list = mailbox_->list_messages("INBOX");
  for (size_t i = 0; i < list->size(); ++i)
    EXPECT_EQ((*list)[i].internal_date, iso8601_utc(1700000000 + static_cast<int64_t>(i)));
}

TEST_F(SpoolTest, ArrivalOrderAndInternalDatesAreKept) {
  // Dates deliberately out of order: the INBOX follows arrival, each message keeps its own date.
  std::vector<std::string> raws;
  std::vector<int64_t> dates;
  for (int i = 0; i < 20; ++i) {
    raws.push_back(message("order " + std::to_string(i), "n" + std::to_string(i)));
    dates.push_back(1700000000 + ((i * 7919) % 20) * 3600);
    put(raws.back(), dates.back());
  }
  EXPECT_EQ(drain_ok(), 20u);
  EXPECT_EQ(inbox(), raws);
  auto list = mailbox_->list_messages("INBOX");
  ASSERT_EQ(list->size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ((*list)[i].internal_date, iso8601_utc(dates[i]));
    if (i > 0) {
      EXPECT_GT((*list)[i].uid, (*list)[i - 1].uid);
    }
  }
}

TEST_F(SpoolTest, NothingInTheSpoolIsPlaintext) {
  const std::string marker = "PLAINTEXT-MARKER-5e1f";
  put(message("Secret subject " + marker, "small body " + marker));
  put(message("Secret subject " + marker, body_of(600 * 1024, marker)));
  auto f = files();
  ASSERT_EQ(f.size(), 2u);
  for (const auto& p : f) {
    // Needles of 11 bytes or more: a 4-byte one ("bob@") turned up by chance in 600 KiB of
    // ciphertext in CI (about 1 run in 7,000 for each such needle).
    for (const std::string& needle : {marker, std::string("alice.sender"), std::string("example.org"),
                                      std::string("Secret subject"), std::string("bob@example.com")})
      EXPECT_FALSE(testing::file_contains(p, needle)) << needle << " in " << p.filename();
    // Named by a sequence and a random id, never by anything of the message.
    EXPECT_EQ(p.filename().string().size(), 16 + 1 + 16 + 7);
    EXPECT_EQ(p.extension(), ".sealed");
  }
  // Without the mailbox's private key the entries do not open.
  auto other = Mailbox::create(dir_ / "other.sqlite", testing::secret(kPassword));
  ASSERT_TRUE(other.ok());
  auto n = spool_.drain(kId, **other);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, Errc::corrupt);
  EXPECT_NE(n.error().message.find("does not open with this mailbox's key"), std::string::npos) << n.error().message;
  EXPECT_EQ(files().size(), 2u);
  EXPECT_EQ(drain_ok(), 2u);
}

TEST_F(SpoolTest, BytesCountsWhatWaitsOnDisk) {
  EXPECT_EQ(*spool_.bytes(kId), 0u);  // no folder yet
  put(message("a", "one"));
  put(message("b", body_of(300 * 1024, "m")));
  uint64_t on_disk = 0;
  for (const auto& p : files()) on_disk += std::filesystem::file_size(p);
  EXPECT_EQ(*spool_.bytes(kId), on_disk);
  EXPECT_GT(on_disk, message("a", "one").size() + 300 * 1024);
  EXPECT_EQ(*spool_.bytes("ffffffffffffffffffffffff"), 0u);
  EXPECT_EQ(spool_.bytes("../etc").error().code, Errc::invalid_argument);
  EXPECT_EQ(spool_.append("a/b", public_key_, "x", 0).error().code, Errc::invalid_argument);
}

// A crash after the drain's commit but before the unlink reached the disk: the file is back at the
// next start, and its name is recorded in the mailbox. It must not be stored again.
TEST_F(SpoolTest, EntryRecordedButNotUnlinkedIsNotDuplicated) {
  put(message("first", "1"));
  put(message("second", "2"));
  std::map<std::filesystem::path, std::string> saved;
  for (const auto& p : files()) saved[p] = testing::read_bytes(p);
  EXPECT_EQ(drain_ok(), 2u);
  for (const auto& [p, bytes] : saved) ASSERT_TRUE(fs::write_file_durably(p, bytes).ok());
  // The records were forgotten once the files were gone: put them back as the crash left them.
  std::vector<std::string> names;
  for (const auto& [p, bytes] : saved) names.push_back(p.filename().string());
  std::string sql;
  for (const auto& n : names) sql += "INSERT INTO spool_drained VALUES ('" + n + "', '2024-01-01T00:00:00Z');";
  mailbox_.reset();
  ASSERT_EQ(testing::exec_with_password(dir_ / "mailbox.sqlite", kPassword, sql), 0);
  auto m = Mailbox::open(dir_ / "mailbox.sqlite", testing::secret(kPassword));
  ASSERT_TRUE(m.ok());
  mailbox_ = std::move(*m);
  put(message("third", "3"));  // arrived meanwhile: moves normally

  EXPECT_EQ(drain_ok(), 1u);
  EXPECT_EQ(inbox(), (std::vector<std::string>{message("first", "1"), message("second", "2"), message("third", "3")}));
  EXPECT_TRUE(files().empty());
  EXPECT_TRUE(mailbox_->spool_entries_moved()->empty());  // pruned once the files are gone
  EXPECT_EQ(drain_ok(), 0u);
}

// The same crash, seen from the record's side: recorded while the file was still there.
TEST_F(SpoolTest, RecordsAreKeptWhileTheirFileExists) {
  put(message("kept", "k"));
  auto name = files().front().filename().string();
  auto saved = testing::read_bytes(files().front());
  ASSERT_TRUE(mailbox_
                  ->append_from_spool(std::vector<AppendRequest>{AppendRequest{"INBOX", message("kept", "k"), {}, 1}},
                                      std::vector<std::string>{name})
                  .ok());
  EXPECT_EQ(*mailbox_->spool_entries_moved(), std::vector<std::string>{name});
  EXPECT_EQ(drain_ok(), 0u);  // recorded: unlinked, not stored again
  EXPECT_EQ(inbox().size(), 1u);
  EXPECT_TRUE(files().empty());
  EXPECT_TRUE(mailbox_->spool_entries_moved()->empty());
  // A name can be recorded once only: the store itself refuses a second delivery of an entry.
  ASSERT_TRUE(mailbox_
                  ->append_from_spool(std::vector<AppendRequest>{AppendRequest{"INBOX", "x", {}, 1}},
                                      std::vector<std::string>{name})
                  .ok());
  EXPECT_FALSE(mailbox_
                   ->append_from_spool(std::vector<AppendRequest>{AppendRequest{"INBOX", "y", {}, 1}},
                                       std::vector<std::string>{name})
                   .ok());
  EXPECT_EQ(inbox().size(), 2u);
}

// A crash before the drain's commit: nothing was recorded, so the file moves (once).
TEST_F(SpoolTest, EntryWhoseAppendNeverCommittedMovesOnce) {
  put(message("pending", "p"));
  // What a crash during an append leaves: a temporary file, never acknowledged, never drained.
  std::ofstream(folder() / ".tmp-00000000000000aa-00000000000000bb.sealed") << "half written";
  std::ofstream(folder() / ".tmp-00000000000000cc-00000000000000dd.sealed") << "half written, stale";
  std::filesystem::last_write_time(folder() / ".tmp-00000000000000cc-00000000000000dd.sealed",
                                   std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  EXPECT_EQ(drain_ok(), 1u);
  EXPECT_EQ(drain_ok(), 0u);
  EXPECT_EQ(inbox(), std::vector<std::string>{message("pending", "p")});
  // The recent one may still be in progress; the stale one is gone.
  EXPECT_EQ(files(), std::vector<std::filesystem::path>{folder() / ".tmp-00000000000000aa-00000000000000bb.sealed"});
}

TEST_F(SpoolTest, RemoveAllDeletesTheWholeSpool) {
  EXPECT_TRUE(spool_.remove_all(kId).ok());  // nothing there yet
  put(message("a", "1"));
  put(message("b", body_of(400 * 1024, "q")));
  EXPECT_TRUE(spool_.remove_all(kId).ok());
  EXPECT_FALSE(std::filesystem::exists(folder()));
  EXPECT_EQ(*spool_.bytes(kId), 0u);
  EXPECT_EQ(drain_ok(), 0u);
  EXPECT_TRUE(inbox().empty());
  put(message("c", "after"));  // the spool works again afterwards
  EXPECT_EQ(drain_ok(), 1u);
}

TEST_F(SpoolTest, DamagedEntriesStayForTheOperatorAndBlockNothing) {
  std::vector<std::string> raws = {
      message("good 1", "1"), message("large", body_of(700 * 1024, "l")), message("small", "s"),
      message("good 2", "2"), message("chunk", body_of(300 * 1024, "c")), message("good 3", "3")};
  for (const auto& r : raws) put(r);
  auto f = files();
  ASSERT_EQ(f.size(), 6u);
  // Truncated at a chunk boundary, a flipped bit in a sealed box, a damaged chunk.
  std::filesystem::resize_file(f[1], std::filesystem::file_size(f[1]) - (Spool::kChunkBytes + 17));
  auto small = testing::read_bytes(f[2]);
  small[40] ^= 1;
  ASSERT_TRUE(fs::write_file_durably(f[2], small).ok());
  auto chunked = testing::read_bytes(f[4]);
  chunked[200 + Spool::kChunkBytes] ^= 0x80;
  ASSERT_TRUE(fs::write_file_durably(f[4], chunked).ok());
  std::ofstream(folder() / "0000000000000001-0000000000000001.sealed") << "not a spool file at all";

  auto n = spool_.drain(kId, *mailbox_);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, Errc::corrupt);
  const auto& text = n.error().message;
  EXPECT_NE(text.find("4 spool entries could not be moved"), std::string::npos) << text;
  EXPECT_NE(text.find("0000000000000001-0000000000000001.sealed: not a sealmail spool file"), std::string::npos)
      << text;
  EXPECT_NE(text.find("; 3 moved"), std::string::npos) << text;
  EXPECT_EQ(inbox(), (std::vector<std::string>{raws[0], raws[3], raws[5]}));
  for (size_t i : {1, 2, 4}) EXPECT_TRUE(std::filesystem::exists(f[i])) << i;
  EXPECT_EQ(files().size(), 4u);

  // Nothing changes until the operator acts; then the rest of the damage is named in turn.
  auto again = spool_.drain(kId, *mailbox_);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("; 0 moved"), std::string::npos) << again.error().message;
  EXPECT_EQ(inbox().size(), 3u);
  std::filesystem::remove(folder() / "0000000000000001-0000000000000001.sealed");
  std::filesystem::remove(f[2]);
  std::filesystem::remove(f[4]);
  auto truncated = spool_.drain(kId, *mailbox_);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find(f[1].filename().string() + ": truncated"), std::string::npos)
      << truncated.error().message;
}

TEST_F(SpoolTest, EachKindOfDamageIsNamed) {
  put(message("box", "b"));
  put(message("stream", body_of(500 * 1024, "s")));
  auto f = files();
  auto reason = [&](const std::filesystem::path& keep) {
    for (const auto& p : files())
      if (p != keep) std::filesystem::rename(p, dir_ / p.filename());
    auto n = spool_.drain(kId, *mailbox_);
    for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
      if (e.path().extension() == ".sealed") std::filesystem::rename(e.path(), folder() / e.path().filename());
    return n.ok() ? std::string("moved") : n.error().message;
  };
  auto box = testing::read_bytes(f[0]);
  auto stream = testing::read_bytes(f[1]);
  ASSERT_TRUE(fs::write_file_durably(f[0], box.substr(0, 30)).ok());
  EXPECT_NE(reason(f[0]).find(": truncated"), std::string::npos);
  std::string v2 = box;
  v2[7] = 2;
  ASSERT_TRUE(fs::write_file_durably(f[0], v2).ok());
  EXPECT_NE(reason(f[0]).find("spool format version 2 is unknown"), std::string::npos);
  std::string swapped = stream;
  swapped[8] = 1;  // claims to be a sealed box
  ASSERT_TRUE(fs::write_file_durably(f[1], swapped).ok());
  EXPECT_NE(reason(f[1]).find("does not open"), std::string::npos);
  ASSERT_TRUE(fs::write_file_durably(f[1], stream + "extra").ok());
  EXPECT_NE(reason(f[1]).find("truncated or extended"), std::string::npos);
  ASSERT_TRUE(fs::write_file_durably(f[1], stream).ok());
  ASSERT_TRUE(fs::write_file_durably(f[0], box).ok());
  EXPECT_EQ(drain_ok(), 2u);
}

TEST_F(SpoolTest, ConcurrentAppendsAndDrainsLoseNothing) {
  constexpr int kThreads = 6, kEach = 30;
  std::vector<std::thread> threads;
  std::atomic<size_t> drained{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto st = spool_.append(kId, public_key_, message("t" + std::to_string(t) + "-" + std::to_string(i), "c"),
                                1700000000 + i);
        EXPECT_TRUE(st.ok());
      }
    });
  threads.emplace_back([&] {
    for (int i = 0; i < 5; ++i) {
      auto n = spool_.drain(kId, *mailbox_);
      EXPECT_TRUE(n.ok());
      if (n.ok()) drained += *n;
    }
  });
  for (auto& t : threads) t.join();
  drained += drain_ok();
  EXPECT_EQ(drained.load(), static_cast<size_t>(kThreads * kEach));
  auto all = inbox();
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
  // Within one sender's thread, arrival order is kept.
  auto list = mailbox_->list_messages("INBOX", all_uids(), false);
  std::map<std::string, int> last;
  for (const auto& m : *list) {
    auto raw = *mailbox_->fetch_raw("INBOX", m.uid);
    auto s = raw.find("Subject: t") + 10;
    auto dash = raw.find('-', s);
    int n = std::stoi(raw.substr(dash + 1));
    auto key = raw.substr(s, dash - s);
    if (last.count(key)) {
      EXPECT_GT(n, last[key]);
    }
    last[key] = n;
  }
}

TEST_F(SpoolTest, ManyEntriesMoveInSeveralTransactions) {
  for (int i = 0; i < 600; ++i) put(message("m" + std::to_string(i), std::to_string(i)), 1700000000 + i);
  EXPECT_EQ(drain_ok(), 600u);
  auto list = mailbox_->list_messages("INBOX", all_uids(), false);
  ASSERT_EQ(list->size(), 600u);
  for (size_t i = 0; i < 600; ++i)
    EXPECT_EQ((*list)[i].internal_date, iso8601_utc(1700000000 + static_cast<int64_t>(i)));
  EXPECT_TRUE(files().empty());
  EXPECT_TRUE(mailbox_->spool_entries_moved()->empty());
}

// Mailboxes made before the spool existed get its table at open (schema.h: additive repair).
TEST_F(SpoolTest, OlderMailboxesGetTheTableAtOpen) {
  mailbox_.reset();
  ASSERT_EQ(testing::exec_with_password(dir_ / "mailbox.sqlite", kPassword, "DROP TABLE spool_drained"), 0);
  auto m = Mailbox::open(dir_ / "mailbox.sqlite", testing::secret(kPassword));
  ASSERT_TRUE(m.ok()) << m.error().message;
  mailbox_ = std::move(*m);
  put(message("old", "o"));
  EXPECT_EQ(drain_ok(), 1u);
}

}  // namespace
}  // namespace sealmail::store

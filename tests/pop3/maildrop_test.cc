// The POP3 server's parts that need no socket, over a real (unencrypted, for speed) store: the
// maildrop read at login (CRLF sizes, RFC 1939 §11; UIDLs, §7), DELE/RSET marks, the UPDATE state
// (§6: UID EXPUNGE of exactly the marked messages, \Seen on retrieved ones), the size cache and the
// maildrop lock (§8).
#include "pop3/server/maildrop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "pop3/protocol/response.h"
#include "pop3/server/maildrop_lock.h"
#include "pop3/server/size_cache.h"
#include "pop3/server/update.h"
#include "store/mailbox.h"

namespace sealmail::pop3 {
namespace {

class MaildropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sealmail-pop3-test-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    store::Options options;
    options.encrypted = false;
    options.durable = false;
    auto m = store::Mailbox::create(dir_ / "box.sqlite", crypto::SecretBuffer::from("pw"), options);
    ASSERT_TRUE(m.ok()) << m.error().message;
    mailbox_ = std::move(*m);
  }
  void TearDown() override {
    mailbox_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  uint32_t append(std::string message, std::string folder = "INBOX") {
    store::AppendRequest r;
    r.folder = std::move(folder);
    r.message = std::move(message);
    auto a = mailbox_->append(r);
    EXPECT_TRUE(a.ok());
    return a.ok() ? a->uid : 0;
  }
  Maildrop load() {
    auto m = Maildrop::load(*mailbox_, "box", cache_);
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m.ok() ? std::move(*m) : Maildrop();
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Mailbox> mailbox_;
  SizeCache cache_;
};

TEST_F(MaildropTest, SizesCountLineEndingsAsCrlf) {
  append("Subject: a\r\n\r\nbody\r\n");          // 20 octets, unchanged
  append("Subject: b\n\nbody\n");                // 3 bare LFs: 17 -> 20
  append("Subject: c\r\n\r\nno newline");        // CRLF added: 24 -> 26
  append("Subject: d\r\n\r\nx\ry\r\n", "Sent");  // another folder: not in the maildrop
  Maildrop m = load();
  ASSERT_EQ(m.count(), 3u);
  EXPECT_EQ(m.at(1)->size, 20u);
  EXPECT_EQ(m.at(2)->size, 20u);
  EXPECT_EQ(m.at(3)->size, 26u);
  EXPECT_EQ(m.at(0), nullptr);
  EXPECT_EQ(m.at(4), nullptr);
  EXPECT_EQ(m.live_count(), 3u);
  EXPECT_EQ(m.live_octets(), 66u);
  // The same as the bytes RETR sends (before byte-stuffing).
  for (uint32_t n = 1; n <= 3; ++n) {
    auto raw = mailbox_->fetch_raw("INBOX", m.at(n)->uid);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(m.at(n)->size, transmitted_size(*raw));
  }
}

TEST_F(MaildropTest, UniqueIdsAreUidvalidityAndUidAndSurviveDeletion) {
  uint32_t a = append("Subject: a\r\n\r\n");
  uint32_t b = append("Subject: b\r\n\r\n");
  Maildrop m = load();
  const std::string prefix = std::to_string(m.uidvalidity()) + ".";
  EXPECT_EQ(m.unique_id(*m.at(1)), prefix + std::to_string(a));
  EXPECT_EQ(m.unique_id(*m.at(2)), prefix + std::to_string(b));
  EXPECT_TRUE(valid_unique_id(m.unique_id(*m.at(1))));
  m.mark_deleted(*m.at(1));
  auto done = apply_update(*mailbox_, m);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->removed, 1u);
  uint32_t c = append("Subject: c\r\n\r\n");
  Maildrop again = load();
  ASSERT_EQ(again.count(), 2u);
  EXPECT_EQ(again.unique_id(*again.at(1)), prefix + std::to_string(b));
  EXPECT_EQ(again.unique_id(*again.at(2)), prefix + std::to_string(c));
  EXPECT_NE(c, a);  // never reused
}

TEST_F(MaildropTest, DeleMarksAndRsetUnmarks) {
  for (int i = 0; i < 4; ++i) append("Subject: " + std::to_string(i) + "\r\n\r\n");
  Maildrop m = load();
  uint64_t all = m.live_octets();
  m.mark_deleted(*m.at(2));
  m.mark_deleted(*m.at(2));  // twice counts once
  m.mark_deleted(*m.at(3));
  EXPECT_EQ(m.live_count(), 2u);
  EXPECT_EQ(m.live_octets(), all - m.at(2)->size - m.at(3)->size);
  EXPECT_EQ(m.deleted_count(), 2u);
  ASSERT_EQ(m.deleted_uids().size(), 1u);  // consecutive UIDs: one range
  EXPECT_EQ(m.deleted_uids()[0].first, m.at(2)->uid);
  EXPECT_EQ(m.deleted_uids()[0].last, m.at(3)->uid);
  m.undelete_all();
  EXPECT_EQ(m.live_count(), 4u);
  EXPECT_EQ(m.live_octets(), all);
  EXPECT_TRUE(m.deleted_uids().empty());
}

TEST_F(MaildropTest, UpdateExpungesOnlyTheMarkedAndSeesRetrievedMessages) {
  for (int i = 0; i < 5; ++i) append("Subject: " + std::to_string(i) + "\r\n\r\nbody\r\n");
  // Another session (IMAP) flagged message 5 \Deleted: POP3's QUIT must not expunge it.
  store::Flags deleted;
  deleted.system = store::kDeleted;
  ASSERT_TRUE(mailbox_->store_flags("INBOX", {{5, 5}}, store::FlagMode::add, deleted).ok());
  std::vector<store::ChangeEvent> events;
  int token = mailbox_->subscribe([&](const store::ChangeEvent& e) { events.push_back(e); });
  Maildrop m = load();
  m.mark_deleted(*m.at(1));
  m.mark_deleted(*m.at(3));
  m.at(2)->retrieved = true;
  m.at(3)->retrieved = true;  // deleted too: no \Seen needed
  auto done = apply_update(*mailbox_, m);
  mailbox_->unsubscribe(token);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->removed, 2u);
  EXPECT_EQ(done->already_gone, 0u);
  auto uids = mailbox_->list_uids("INBOX");
  ASSERT_TRUE(uids.ok());
  EXPECT_EQ(*uids, (std::vector<uint32_t>{2, 4, 5}));
  auto summaries = mailbox_->list_messages("INBOX", store::all_uids(), false);
  ASSERT_TRUE(summaries.ok());
  EXPECT_TRUE((*summaries)[0].flags.system & store::kSeen);
  EXPECT_FALSE((*summaries)[1].flags.system & store::kSeen);
  EXPECT_TRUE((*summaries)[2].flags.system & store::kDeleted);
  // IMAP sessions hear of it through the store's change events.
  bool expunge_event = false;
  for (const auto& e : events)
    if (e.kind == store::ChangeEvent::Kind::expunge && e.folder == "INBOX") expunge_event = true;
  EXPECT_TRUE(expunge_event);
}

TEST_F(MaildropTest, UpdateAfterAnotherSessionExpungedAMarkedMessage) {
  for (int i = 0; i < 3; ++i) append("Subject: " + std::to_string(i) + "\r\n\r\n");
  Maildrop m = load();
  m.mark_deleted(*m.at(2));
  store::Flags deleted;
  deleted.system = store::kDeleted;
  ASSERT_TRUE(mailbox_->store_flags("INBOX", {{2, 2}}, store::FlagMode::add, deleted).ok());
  ASSERT_TRUE(mailbox_->expunge("INBOX").ok());
  auto done = apply_update(*mailbox_, m);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->removed, 0u);
  EXPECT_EQ(done->already_gone, 1u);
}

TEST_F(MaildropTest, NothingToUpdateWritesNothing) {
  append("Subject: a\r\n\r\n");
  Maildrop m = load();
  int writes = 0;
  int token = mailbox_->subscribe([&](const store::ChangeEvent&) { ++writes; });
  ASSERT_TRUE(apply_update(*mailbox_, m).ok());
  mailbox_->unsubscribe(token);
  EXPECT_EQ(writes, 0);
}

TEST_F(MaildropTest, SizesComeFromTheCacheOnceKnown) {
  append("Subject: a\n\nbody\n");
  Maildrop first = load();
  EXPECT_EQ(cache_.entries(), 1u);
  // A wrong size planted in the cache is what the next load gives: proof it did not read again.
  cache_.store("box", first.uidvalidity(), {first.at(1)->uid}, {12345});
  append("Subject: b\n\n");
  Maildrop second = load();
  ASSERT_EQ(second.count(), 2u);
  EXPECT_EQ(second.at(1)->size, 12345u);
  EXPECT_EQ(second.at(2)->size, 14u);  // new: read and counted
  EXPECT_EQ(cache_.entries(), 2u);
}

TEST(SizeCache, MissesOnAnotherUidvalidityAndForgetsExpungedAndOldMailboxes) {
  SizeCache cache(5);
  cache.store("a", 7, {1, 2, 3}, {10, 20, 30});
  auto hit = cache.lookup("a", 7, {2, 3, 4});
  EXPECT_EQ(hit[0], 20u);
  EXPECT_EQ(hit[1], 30u);
  EXPECT_FALSE(hit[2]);
  EXPECT_FALSE(cache.lookup("a", 8, {1})[0]);
  cache.store("a", 7, {3}, {30});  // the maildrop now: 1 and 2 were expunged
  EXPECT_FALSE(cache.lookup("a", 7, {1})[0]);
  cache.store("b", 1, {1, 2, 3}, {1, 2, 3});
  cache.store("c", 1, {1, 2}, {1, 2});  // over 5 entries: "a" (least recently used) goes
  EXPECT_FALSE(cache.lookup("a", 7, {3})[0]);
  EXPECT_EQ(cache.lookup("b", 1, {1})[0], 1u);
  EXPECT_EQ(cache.entries(), 5u);
  cache.store("huge", 1, {1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6});  // larger than the cache: not kept
  EXPECT_FALSE(cache.lookup("huge", 1, {1})[0]);
}

TEST(MaildropLocks, OneSessionPerMaildropReleasedWithItsLock) {
  auto locks = MaildropLocks::create();
  auto first = locks->try_lock("box");
  ASSERT_TRUE(first);
  EXPECT_FALSE(locks->try_lock("box"));
  EXPECT_TRUE(locks->try_lock("other"));  // released at once: a temporary
  EXPECT_FALSE(locks->locked("other"));
  auto moved = std::move(*first);
  first.reset();  // the moved-from lock releases nothing
  EXPECT_TRUE(locks->locked("box"));
  { auto gone = std::move(moved); }
  EXPECT_FALSE(locks->locked("box"));
  EXPECT_TRUE(locks->try_lock("box"));
}

}  // namespace
}  // namespace sealmail::pop3

// The queue's history (queue_history.h): a finished entry keeps its message, sealed, until its
// redaction time; then only a placeholder with its Date and Message-ID is left; the record is
// forgotten 30 days later. Retiring twice (a crash between retire and the queue's remove, then a
// second delivery) leaves one record.
#include "delivery/queue_history.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "support/temp_dir.h"

namespace sealmail::delivery {
namespace {

namespace stdfs = std::filesystem;

using testing::read_file;
using testing::TempDir;

constexpr int64_t kNow = 1'800'000'000;
constexpr std::string_view kMessage =
    "From: sender@ours.test\r\nTo: far.away@remote.test\r\nSubject: the quarterly figures\r\n"
    "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\nMessage-ID: <figures.1@ours.test>\r\n\r\n"
    "Revenue was up by a secret amount.\r\n";

struct Fixture {
  TempDir dir;
  std::shared_ptr<QueueStore> queue;
  std::shared_ptr<QueueHistory> history;
  Fixture() {
    auto key = load_or_create_queue_key(QueueStore::key_file_in(dir.path()));
    auto q = QueueStore::open(QueueStore::dir_in(dir.path()), std::move(*key));
    queue = *q;
    history = *QueueHistory::open(QueueHistory::dir_in(dir.path()), queue->sealer());
  }
  // A delivered entry, retired as the queue does it: history first, then the queue forgets it.
  std::string deliver_and_retire(int retention_days) {
    QueueEntry e;
    e.mail_from = e.sender_alias = "sender@ours.test";
    e.recipients.push_back(QueuedRecipient{.address = "far.away@remote.test"});
    e.queued_at = kNow - 10;
    auto id = queue->add(e, kMessage);
    e = *queue->load(*id);
    e.recipients[0].state = RecipientState::delivered;
    EXPECT_TRUE(history->retire(e, queue->message_file(*id), kNow, retention_days).ok());
    EXPECT_TRUE(queue->remove(*id).ok());
    return *id;
  }
};

TEST(QueueHistory, KeepsTheMessageSealedUntilItsRedactionTime) {
  Fixture f;
  auto id = f.deliver_and_retire(30);
  EXPECT_EQ(f.history->ids(), std::vector<std::string>{id});
  auto r = f.history->load(id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->retired_at, kNow);
  EXPECT_EQ(r->redact_at, kNow + 30 * 86400);
  EXPECT_EQ(r->forget_at, kNow + 60 * 86400);
  EXPECT_FALSE(r->redacted);
  EXPECT_EQ(r->entry.recipients.at(0).state, RecipientState::delivered);
  EXPECT_EQ(*f.history->message(id), kMessage);
  for (const auto& file : stdfs::directory_iterator(QueueHistory::dir_in(f.dir.path()))) {
    auto bytes = read_file(file.path());
    EXPECT_EQ(bytes.find("quarterly"), std::string::npos) << file.path();
    EXPECT_EQ(bytes.find("far.away"), std::string::npos) << file.path();
  }
  auto swept = f.history->sweep(kNow + 30 * 86400 - 1);
  EXPECT_EQ(swept.redacted, 0u);
  EXPECT_EQ(*f.history->message(id), kMessage);
}

TEST(QueueHistory, RedactionLeavesThePlaceholderWithDateAndMessageIdOnly) {
  Fixture f;
  auto id = f.deliver_and_retire(2);
  auto swept = f.history->sweep(kNow + 2 * 86400);
  EXPECT_EQ(swept.redacted, 1u);
  auto r = f.history->load(id);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->redacted);
  auto m = *f.history->message(id);
  EXPECT_NE(m.find("Message-ID: <figures.1@ours.test>\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("This message was successfully sent. It has been redacted and purged"), std::string::npos);
  for (std::string_view gone : {"quarterly", "Revenue", "secret amount", "far.away", "sender@"})
    EXPECT_EQ(m.find(gone), std::string::npos) << gone;
  EXPECT_EQ(r->entry.size, m.size());
  // The envelope stays for the history (who, what outcome), under the key.
  EXPECT_EQ(r->entry.recipients.at(0).address, "far.away@remote.test");
  // A second sweep changes nothing.
  EXPECT_EQ(f.history->sweep(kNow + 2 * 86400 + 60).redacted, 0u);
  EXPECT_EQ(*f.history->message(id), m);
}

TEST(QueueHistory, ARecordIsForgottenThirtyDaysAfterItsRedaction) {
  Fixture f;
  auto id = f.deliver_and_retire(1);
  f.history->sweep(kNow + 86400);
  EXPECT_EQ(f.history->sweep(kNow + 86400 + kForgetAfterRedactionSeconds - 1).forgotten, 0u);
  EXPECT_EQ(f.history->sweep(kNow + 86400 + kForgetAfterRedactionSeconds).forgotten, 1u);
  EXPECT_TRUE(f.history->ids().empty());
  EXPECT_EQ(f.history->load(id).error().code, Errc::not_found);
  EXPECT_TRUE(stdfs::is_empty(QueueHistory::dir_in(f.dir.path())));
}

TEST(QueueHistory, RetiringTwiceLeavesOneRecordAndAFailedDeliveryIsWordedSo) {
  Fixture f;
  QueueEntry e;
  e.mail_from = e.sender_alias = "sender@ours.test";
  e.recipients.push_back(QueuedRecipient{.address = "gone@remote.test"});
  e.recipients.push_back(QueuedRecipient{.address = "fine@remote.test"});
  auto id = *f.queue->add(e, kMessage);
  e = *f.queue->load(id);
  e.recipients[0].state = RecipientState::failed;
  e.recipients[1].state = RecipientState::delivered;
  ASSERT_TRUE(f.history->retire(e, f.queue->message_file(id), kNow, 1).ok());
  ASSERT_TRUE(f.history->retire(e, f.queue->message_file(id), kNow + 5, 1).ok());  // after a crash
  ASSERT_TRUE(f.queue->remove(id).ok());
  EXPECT_EQ(f.history->ids().size(), 1u);
  EXPECT_EQ(f.history->load(id)->retired_at, kNow + 5);
  f.history->sweep(kNow + 5 + 86400);
  auto m = *f.history->message(id);
  EXPECT_NE(m.find("Delivery of this message has ended"), std::string::npos) << m;
  EXPECT_NE(m.find("1 of 2 recipients accepted it"), std::string::npos) << m;
}

TEST(QueueHistory, FilesAreBoundToTheirRole) {
  Fixture f;
  auto id = f.deliver_and_retire(30);
  // A history record is not a queue entry: copied into the queue it does not open.
  stdfs::copy_file(QueueHistory::dir_in(f.dir.path()) / (id + ".env"),
                   QueueStore::dir_in(f.dir.path()) / (id + ".env"));
  EXPECT_EQ(f.queue->load(id).error().code, Errc::corrupt);
  EXPECT_TRUE(f.history->remove(id).ok());
  EXPECT_EQ(f.history->remove(id).error().code, Errc::not_found);
}

}  // namespace
}  // namespace sealmail::delivery

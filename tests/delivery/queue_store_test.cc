// The queue's files (queue_store.h): what add() returns is on disk, encrypted, bound to its id and
// role; incomplete enqueues are swept; the operator's markers come back once.
#include "delivery/queue_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "core/fs.h"
#include "support/temp_dir.h"

namespace sealmail::delivery {
namespace {

namespace stdfs = std::filesystem;

using testing::read_file;
using testing::TempDir;

QueueEntry sample() {
  QueueEntry e;
  e.mail_from = "sender@ours.test";
  e.sender_alias = "sender@ours.test";
  e.recipients.push_back(QueuedRecipient{.address = "far.away@remote.test", .notify = "FAILURE,DELAY"});
  e.recipients.push_back(QueuedRecipient{.address = "second@remote.test"});
  e.queued_at = 1'800'000'000;
  e.next_attempt = 1'800'000'000;
  return e;
}

std::shared_ptr<QueueStore> open_in(const stdfs::path& data) {
  auto key = load_or_create_queue_key(QueueStore::key_file_in(data));
  EXPECT_TRUE(key.ok());
  auto store = QueueStore::open(QueueStore::dir_in(data), std::move(*key));
  EXPECT_TRUE(store.ok());
  return *store;
}

TEST(QueueStore, AddLoadRoundTripAndNoPlaintextOnDisk) {
  TempDir t;
  auto store = open_in(t.path());
  const std::string message = "Subject: the secret plan\r\n\r\nmeet at the old mill\r\n";
  auto id = store->add(sample(), message);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_TRUE(valid_queue_id(*id));
  EXPECT_EQ(store->ids(), std::vector<std::string>{*id});

  auto e = store->load(*id);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->id, *id);
  EXPECT_EQ(e->mail_from, "sender@ours.test");
  ASSERT_EQ(e->recipients.size(), 2u);
  EXPECT_EQ(e->recipients[0].notify, "FAILURE,DELAY");
  EXPECT_EQ(e->size, message.size());
  EXPECT_EQ(e->pending(), 2u);
  auto m = store->message(*id);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, message);

  // Neither file shows the content or an address; the key is 0600 and outside the queue directory.
  for (const char* ext : {".msg", ".env"}) {
    auto bytes = read_file(QueueStore::dir_in(t.path()) / (*id + ext));
    EXPECT_EQ(bytes.find("secret plan"), std::string::npos);
    EXPECT_EQ(bytes.find("old mill"), std::string::npos);
    EXPECT_EQ(bytes.find("remote.test"), std::string::npos);
    EXPECT_EQ(bytes.find("ours.test"), std::string::npos);
  }
  struct stat st {};
  ASSERT_EQ(::stat(QueueStore::key_file_in(t.path()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(QueueStore::key_file_in(t.path()).parent_path(), QueueStore::dir_in(t.path()));
}

TEST(QueueStore, ReopenedWithTheSameKeyFileReadsTheEntry) {
  TempDir t;
  std::string id;
  {
    auto store = open_in(t.path());
    id = *store->add(sample(), "x");
  }
  auto again = open_in(t.path());
  EXPECT_EQ(*again->message(id), "x");
}

TEST(QueueStore, FilesAreBoundToTheirIdAndRole) {
  TempDir t;
  auto store = open_in(t.path());
  auto a = *store->add(sample(), "message a");
  auto b = *store->add(sample(), "message b");
  auto dir = QueueStore::dir_in(t.path());
  // Swapping b's message into a's place is detected, not read as a's.
  stdfs::copy_file(dir / (b + ".msg"), dir / (a + ".msg"), stdfs::copy_options::overwrite_existing);
  auto m = store->message(a);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Errc::corrupt);
  // An envelope file offered as a message: also refused.
  stdfs::copy_file(dir / (b + ".env"), dir / (b + ".msg"), stdfs::copy_options::overwrite_existing);
  EXPECT_FALSE(store->message(b).ok());
  // A wrong key opens nothing.
  crypto::SecretBuffer other(32);
  crypto::random_bytes({other.data(), other.size()});
  auto stranger = *QueueStore::open(dir, std::move(other));
  EXPECT_FALSE(stranger->load(b).ok());
}

TEST(QueueStore, SaveRemoveAndDeletedEntriesStayDeleted) {
  TempDir t;
  auto store = open_in(t.path());
  auto id = *store->add(sample(), "m");
  auto e = *store->load(id);
  e.recipients[0].state = RecipientState::delivered;
  e.attempts = 3;
  ASSERT_TRUE(store->save(e).ok());
  auto back = *store->load(id);
  EXPECT_EQ(back.attempts, 3);
  EXPECT_EQ(back.pending(), 1u);
  ASSERT_TRUE(store->remove(id).ok());
  EXPECT_TRUE(store->ids().empty());
  auto again = store->remove(id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::not_found);
  // A delivery that finishes after the operator deleted the entry does not bring it back.
  auto late = store->save(e);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Errc::not_found);
  EXPECT_TRUE(store->ids().empty());
  EXPECT_FALSE(store->load("../../etc/passwd").ok());
}

TEST(QueueStore, SweepRemovesIncompleteEnqueuesOnly) {
  TempDir t;
  auto store = open_in(t.path());
  auto kept = *store->add(sample(), "kept");
  auto dir = QueueStore::dir_in(t.path());
  const std::string orphan = "0000000000000000000000beef";
  ASSERT_TRUE(fs::write_file_durably(dir / (orphan + ".msg"), "half", 0600).ok());
  ASSERT_TRUE(fs::write_file_durably(dir / (kept + ".env.tmp"), "torn", 0600).ok());
  store->sweep_incomplete();
  EXPECT_FALSE(stdfs::exists(dir / (orphan + ".msg")));
  EXPECT_FALSE(stdfs::exists(dir / (kept + ".env.tmp")));
  EXPECT_EQ(*store->message(kept), "kept");
}

TEST(QueueStore, RetryMarkersAreTakenOnce) {
  TempDir t;
  auto store = open_in(t.path());
  auto id = *store->add(sample(), "m");
  ASSERT_TRUE(store->request_retry(id).ok());
  EXPECT_FALSE(store->request_retry("0000000000000000000000beef").ok());
  EXPECT_EQ(store->take_retry_requests(), std::vector<std::string>{id});
  EXPECT_TRUE(store->take_retry_requests().empty());
}

}  // namespace
}  // namespace sealmail::delivery

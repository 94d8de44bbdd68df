// quota::Ledger (issue 4): the running counters follow appends, copies, expunges and deleted
// folders in every mailbox of an account, across its aliases and domains, and always equal what
// quota::Meter measures the slow way (summing every mailbox at each check).
#include "quota/ledger.h"

#include <gtest/gtest.h>

#include "directory/directory.h"
#include "directory/test_support.h"
#include "store/registry.h"
#include "store/spool.h"

namespace sealmail::quota {
namespace {

using directory::testing::TempFolder;

std::string message(const std::string& subject, size_t body_bytes) {
  return "From: a@example.org\r\nTo: b@example.com\r\nSubject: " + subject + "\r\n\r\n" + std::string(body_bytes, 'x') +
         "\r\n";
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(folder.path() / "mailboxes");
    auto d = directory::open_sqlite_directory(folder.path() / "directory.sqlite");
    ASSERT_TRUE(d.ok()) << d.error().message;
    dir = std::move(*d);
    auto account = dir->add_account("owner", 1'000'000);
    ASSERT_TRUE(account.ok());
    for (const char* name : {"one.example", "two.example"}) {
      directory::NewDomain nd;
      nd.name = name;
      nd.account_id = account->id;
      nd.quota_bytes = 900'000;
      ASSERT_TRUE(dir->add_domain(nd).ok());
    }
    registry = std::make_shared<store::MailboxRegistry>();
    spool = std::make_shared<store::Spool>(store::spool_dir(folder.path()));
    ledger = Ledger::create(folder.path(), registry, spool);
    ledger->observe(*registry);
  }

  // An alias with a mailbox, opened through the registry as a login would.
  std::pair<directory::Alias, std::shared_ptr<store::Mailbox>> mailbox(const std::string& address) {
    directory::NewAlias na;
    na.address = address;
    na.mailbox = true;
    auto alias = dir->add_alias(na);
    EXPECT_TRUE(alias.ok()) << alias.error().message;
    auto password = crypto::SecretBuffer::from("correct horse battery staple");
    auto opened =
        registry->acquire(alias->mailbox_id, directory::mailbox_path(folder.path(), alias->mailbox_id), password, true);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return {*alias, *opened};
  }

  // (alias, domain, account) bytes by the ledger, checked against the Meter's sums.
  std::array<uint64_t, 3> used(const directory::Alias& alias) {
    auto fast = ledger->usage(*dir, alias);
    auto slow = Meter(folder.path(), registry, spool).usage(*dir, alias);
    EXPECT_TRUE(fast.ok() && slow.ok());
    EXPECT_EQ(fast->levels.size(), 2u);  // no alias limit here: domain and account
    EXPECT_EQ(fast->levels.size(), slow->levels.size());
    for (size_t i = 0; i < fast->levels.size(); ++i) {
      EXPECT_EQ(fast->levels[i].scope, slow->levels[i].scope);
      EXPECT_EQ(fast->levels[i].used, slow->levels[i].used) << to_string(fast->levels[i].scope);
    }
    return {ledger->mailbox_bytes_for_testing(alias.mailbox_id), fast->levels[0].used, fast->levels[1].used};
  }

  TempFolder folder;
  std::unique_ptr<directory::Directory> dir;
  std::shared_ptr<store::MailboxRegistry> registry;
  std::shared_ptr<store::Spool> spool;
  std::shared_ptr<Ledger> ledger;
};

TEST_F(LedgerTest, CountersFollowAppendsAndExpungesAcrossTheAliasesOfOneAccount) {
  auto [a, box_a] = mailbox("a@one.example");
  auto [b, box_b] = mailbox("b@one.example");
  auto [c, box_c] = mailbox("c@two.example");
  EXPECT_EQ(used(a), (std::array<uint64_t, 3>{0, 0, 0}));

  auto m1 = message("first", 1000), m2 = message("second", 2000), m3 = message("third", 4000);
  ASSERT_TRUE(box_a->append({"INBOX", m1, {}, {}}).ok());
  ASSERT_TRUE(box_b->append({"INBOX", m2, {}, {}}).ok());
  ASSERT_TRUE(box_c->append({"INBOX", m3, {}, {}}).ok());
  // a's domain holds a and b; the account holds all three.
  EXPECT_EQ(used(a), (std::array<uint64_t, 3>{m1.size(), m1.size() + m2.size(), m1.size() + m2.size() + m3.size()}));
  EXPECT_EQ(used(c), (std::array<uint64_t, 3>{m3.size(), m3.size(), m1.size() + m2.size() + m3.size()}));

  // A copy into another folder counts again (IMAP COPY stores a second message).
  ASSERT_TRUE(box_b->copy("INBOX", store::all_uids(), "Archive").ok());
  EXPECT_EQ(used(a)[2], m1.size() + 2 * m2.size() + m3.size());

  // Expunge in c: the account total of a (another domain) drops with it.
  ASSERT_TRUE(box_c->store_flags("INBOX", store::all_uids(), store::FlagMode::add, {store::kDeleted, {}}).ok());
  auto gone = box_c->expunge("INBOX");
  ASSERT_TRUE(gone.ok() && gone->size() == 1);
  EXPECT_EQ(used(a), (std::array<uint64_t, 3>{m1.size(), m1.size() + 2 * m2.size(), m1.size() + 2 * m2.size()}));

  // A deleted folder takes its messages with it; a move changes nothing.
  ASSERT_TRUE(box_b->delete_folder("Archive").ok());
  ASSERT_TRUE(box_a->move("INBOX", store::all_uids(), "Junk").ok());
  EXPECT_EQ(used(b), (std::array<uint64_t, 3>{m2.size(), m1.size() + m2.size(), m1.size() + m2.size()}));
  EXPECT_EQ(box_a->quota()->bytes, m1.size());
  EXPECT_EQ(box_a->quota()->messages, 1u);
}

TEST_F(LedgerTest, AMailboxClosedAndChangedElsewhereIsReadAgainWhenItOpens) {
  auto [a, box_a] = mailbox("a@one.example");
  auto [b, box_b] = mailbox("b@one.example");
  auto m1 = message("first", 3000);
  ASSERT_TRUE(box_a->append({"INBOX", m1, {}, {}}).ok());
  EXPECT_EQ(used(b)[2], m1.size());
  // Closed (its usage hint is written), changed by another opener the ledger does not watch (as
  // the CLI's import would), then opened again through the registry: re-synced.
  box_a.reset();
  auto password = crypto::SecretBuffer::from("correct horse battery staple");
  {
    auto elsewhere = store::Mailbox::open(directory::mailbox_path(folder.path(), a.mailbox_id), password);
    ASSERT_TRUE(elsewhere.ok());
    ASSERT_TRUE((*elsewhere)->append({"INBOX", m1, {}, {}}).ok());
  }
  auto reopened = registry->acquire(a.mailbox_id, directory::mailbox_path(folder.path(), a.mailbox_id), password);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(used(b)[2], 2 * m1.size());
}

// Mail sealed for an absent owner is counted from the entries' sizes as the MX writes them (no
// listing of the spool per message), and a drain at the next login moves it into the mailbox
// without counting it twice.
TEST_F(LedgerTest, SealedEntriesCountAsTheyAreWrittenAndOnceDrained) {
  auto [a, box_a] = mailbox("a@one.example");
  auto [b, box_b] = mailbox("b@one.example");
  auto keys = box_a->box_key_pair();  // what the directory records as the alias's spool key
  ASSERT_TRUE(keys.ok());
  const std::array<uint8_t, 32> key = keys->public_key;
  box_a.reset();  // a is away: mail to a waits sealed in its spool
  ASSERT_EQ(registry->find(a.mailbox_id), nullptr);
  uint64_t on_disk = 0;
  for (int i = 0; i < 5; ++i) {
    auto written = spool->append(a.mailbox_id, key, message("sealed " + std::to_string(i), 1500), 1700000000 + i);
    ASSERT_TRUE(written.ok()) << written.error().message;
    on_disk += *written;
    ledger->sealed(a.mailbox_id, *written);
    EXPECT_EQ(used(b)[1], on_disk);  // the domain's total, checked against the Meter's listing
  }
  EXPECT_EQ(*spool->bytes(a.mailbox_id), on_disk);
  // The owner logs in: the spool drains into INBOX.
  auto password = crypto::SecretBuffer::from("correct horse battery staple");
  auto opened = registry->acquire(a.mailbox_id, directory::mailbox_path(folder.path(), a.mailbox_id), password);
  ASSERT_TRUE(opened.ok());
  auto moved = spool->drain(a.mailbox_id, **opened);
  ASSERT_TRUE(moved.ok() && *moved == 5u);
  EXPECT_EQ(*spool->bytes(a.mailbox_id), 0u);
  EXPECT_EQ(used(b)[1], (*opened)->quota()->bytes);
}

}  // namespace
}  // namespace sealmail::quota

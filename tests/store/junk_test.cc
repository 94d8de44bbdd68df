// The owner's junk training inside the mailbox (store/junk.cc, issue 9): counts of hashed tokens
// per message trained, once per message, moved over when a message is trained the other way, and
// kept when the message is expunged.
#include <gtest/gtest.h>

#include "classify/message_tokens.h"
#include "store/mailbox.h"
#include "store/test_support.h"

namespace sealmail::store {
namespace {

using testing::TempDir;

std::string newsletter(int n) {
  return "From: news@garden.example\r\nSubject: Tulips and compost " + std::to_string(n) +
         "\r\n\r\nSeedlings bulbs pruning roses mulch allotment greenhouse\r\n";
}

class JunkTrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = Mailbox::create(dir_ / "mailbox.sqlite", testing::secret("correct horse battery staple"));
    ASSERT_TRUE(m.ok()) << m.error().message;
    mailbox_ = std::move(*m);
    for (int i = 1; i <= 3; ++i) {
      AppendRequest r;
      r.message = newsletter(i);
      ASSERT_TRUE(mailbox_->append(r));
    }
    tokens_ = classify::message_tokens(newsletter(9));
  }
  classify::Model model() {
    auto m = mailbox_->junk_model(tokens_);
    EXPECT_TRUE(m.ok());
    return m.ok() ? *m : classify::Model{};
  }
  classify::Token word(const char* w) { return classify::token_of("b:", w); }

  TempDir dir_;
  std::unique_ptr<Mailbox> mailbox_;
  std::vector<classify::Token> tokens_;
};

TEST_F(JunkTrainingTest, UntrainedMailboxKnowsNothing) {
  auto m = model();
  EXPECT_EQ(m.totals.ham + m.totals.spam, 0u);
  EXPECT_EQ(m.size(), 0u);
}

TEST_F(JunkTrainingTest, TrainsOncePerMessageAndMovesOver) {
  auto n = mailbox_->train_junk("INBOX", {{1, 2}}, true);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(*mailbox_->train_junk("INBOX", {{1, 2}}, true), 0u);  // again the same way: nothing
  auto m = model();
  EXPECT_EQ(m.totals.spam, 2u);
  EXPECT_EQ(m.totals.ham, 0u);
  EXPECT_EQ(m.find(word("seedlings")).spam, 2u);
  // The second message taught the other way: its counts move over.
  EXPECT_EQ(*mailbox_->train_junk("INBOX", {{2, 3}}, false), 2u);
  m = model();
  EXPECT_EQ(m.totals.spam, 1u);
  EXPECT_EQ(m.totals.ham, 2u);
  EXPECT_EQ(m.find(word("seedlings")).spam, 1u);
  EXPECT_EQ(m.find(word("seedlings")).ham, 2u);
}

TEST_F(JunkTrainingTest, TrainingOutlivesTheMessageAndAMoveKeepsItsState) {
  ASSERT_TRUE(mailbox_->train_junk("INBOX", {{1, 1}}, true).ok());
  auto moved = mailbox_->move("INBOX", {{1, 1}}, "Junk");
  ASSERT_TRUE(moved.ok());
  // Same body in Junk: already trained as junk.
  EXPECT_EQ(*mailbox_->train_junk("Junk", all_uids(), true), 0u);
  ASSERT_TRUE(mailbox_->store_flags("Junk", all_uids(), FlagMode::add, Flags{kDeleted, {}}).ok());
  ASSERT_TRUE(mailbox_->expunge("Junk").ok());
  auto m = model();
  EXPECT_EQ(m.totals.spam, 1u);
  EXPECT_EQ(m.find(word("mulch")).spam, 1u);
  // An unknown folder is an error, not a crash.
  EXPECT_FALSE(mailbox_->train_junk("Nope", all_uids(), true).ok());
}

}  // namespace
}  // namespace sealmail::store

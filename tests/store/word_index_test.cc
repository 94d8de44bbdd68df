// BODY search through the word index (store/word_index.h) must answer exactly what a case-
// insensitive substring search over each body's text answers (RFC 9051 §6.4.4): no false
// positives, no false negatives. The expected answer is computed here from each message's
// search text (mime::analyze, what the store indexes) with std::string::find.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mime/message_info.h"
#include "store/mailbox.h"
#include "store/schema.h"
#include "store/test_support.h"

namespace sealmail::store {
namespace {

using testing::TempDir;
using K = SearchKey::Kind;

const std::string kPassword = "correct horse battery staple";

// Words that share letters and pieces (so that a needle is found inside other words, at their
// start, their end and their middle), with digits, upper case, non-ASCII letters (ß folds to
// "ss", the Kelvin sign to "k", İ to "i̇"), punctuation between them, and now and then a token
// longer than the vocabulary keeps.
std::string random_body(std::mt19937& rng) {
  static const char* kPieces[] = {
      "ab", "cab", "bar", "ing", "ba",   "r2", "d2", "x", "Zy", "ß", "\xe2\x84\xaa" /* K */, "\xc4\xb0" /* İ */,
      "ü",  "7",   "00",  "Acc", "ount", "tk"};
  static const char* kSeparators[] = {" ", " ", " ", ", ", ".\r\n", "-", "/", "'", "\t", "_"};
  std::string body;
  size_t words = 5 + rng() % 40;
  for (size_t w = 0; w < words; ++w) {
    size_t pieces = 1 + rng() % 4;
    if (rng() % 60 == 0) pieces = 150;  // a token over kMaxVocabularyToken bytes
    for (size_t p = 0; p < pieces; ++p) body += kPieces[rng() % std::size(kPieces)];
    body += kSeparators[rng() % std::size(kSeparators)];
  }
  return body + "\r\n";
}

std::string message(const std::string& body, int i) {
  return "From: a" + std::to_string(i) + "@example.com\r\nTo: b@example.com\r\nSubject: s" + std::to_string(i) +
         " barrister\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n\r\n" +
         body;
}

class WordIndexTest : public ::testing::Test {
 protected:
  std::filesystem::path file() const { return dir_ / "7c1e90ab.sqlite"; }
  std::unique_ptr<Mailbox> create() {
    auto m = Mailbox::create(file(), testing::secret(kPassword), {});
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return std::move(*m);
  }
  TempDir dir_;
};

TEST_F(WordIndexTest, BodySearchAnswersExactlyWhatASubstringScanAnswers) {
  const unsigned seed = 20261123;
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  auto m = create();
  // 1,500 messages: common needles find more than the 1,000 bodies listed in the SQL (body_in()
  // then checks each message), rare ones fewer.
  std::vector<std::string> texts;  // folded search text by UID - 1
  std::vector<AppendRequest> batch;
  for (int i = 0; i < 1500; ++i) {
    AppendRequest r;
    r.message = message(random_body(rng), i);
    texts.push_back(mime::analyze(r.message).search_body);
    batch.push_back(std::move(r));
  }
  ASSERT_TRUE(m->append_batch(batch).ok());

  std::vector<std::string> needles = {"ab",   "a",   "ing",  "ccount", "ACCOUNT", "r2d2", "00", "0000", "ss",
                                      "k",    "ssk", "zyzy", "7x",     "i",       "bar",  "tk", "q",    "cabcab",
                                      "barr", ", c", " zy",  "r/7",    "'ba",     "\"a\""};  // three ASCII: the body
                                                                                             // trigram index
  for (int i = 0; i < 60; ++i) {  // pieces of the bodies themselves, mixed case
    const std::string& t = texts[rng() % texts.size()];
    size_t at = rng() % t.size(), n = 1 + rng() % 7;
    std::string piece;
    for (char c : t.substr(at, n))
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        piece += (rng() % 2) ? static_cast<char>(c - 32 * (c >= 'a')) : c;
    if (!piece.empty()) needles.push_back(piece);
  }
  size_t many = 0, few = 0, none = 0;
  for (const auto& needle : needles) {
    std::string folded = mime::fold_for_search(needle);
    std::vector<uint32_t> want;
    for (size_t i = 0; i < texts.size(); ++i)
      if (texts[i].find(folded) != std::string::npos) want.push_back(static_cast<uint32_t>(i + 1));
    auto got = m->search("INBOX", SearchKey::of(K::body, needle));
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, want) << "BODY " << needle;
    // NOT inverts the same set; TEXT adds the headers ("barrister" is in every subject).
    std::vector<uint32_t> others;
    for (uint32_t u = 1; u <= texts.size(); ++u)
      if (!std::binary_search(want.begin(), want.end(), u)) others.push_back(u);
    EXPECT_EQ(*m->search("INBOX", SearchKey::combine(K::not_, {SearchKey::of(K::body, needle)})), others)
        << "NOT BODY " << needle;
    (want.size() > 1000 ? many : want.empty() ? none : few)++;
  }
  EXPECT_GT(many, 0u);
  EXPECT_GT(few, 0u);
  EXPECT_GT(none, 0u);
  EXPECT_EQ(m->search("INBOX", SearchKey::of(K::text, "barr"))->size(), texts.size());
}

TEST_F(WordIndexTest, ExpungedAndAddedMessagesAreFoundAsTheyAre) {
  auto m = create();
  AppendRequest r;
  r.message = message("zanzibar marmalade\r\n", 1);
  ASSERT_TRUE(m->append(r).ok());
  r.message = message("marmalade only\r\n", 2);
  ASSERT_TRUE(m->append(r).ok());
  EXPECT_EQ(*m->search("INBOX", SearchKey::of(K::body, "zanzi")), (std::vector<uint32_t>{1}));
  EXPECT_EQ(*m->search("INBOX", SearchKey::of(K::body, "MALADE")), (std::vector<uint32_t>{1, 2}));
  ASSERT_TRUE(m->store_flags("INBOX", {{1, 1}}, FlagMode::add, {kDeleted, {}}).ok());
  ASSERT_EQ(m->expunge("INBOX").value(), std::vector<uint32_t>{1});
  EXPECT_TRUE(m->search("INBOX", SearchKey::of(K::body, "zanzi"))->empty());
  r.message = message("Zanzibar again\r\n", 3);
  ASSERT_TRUE(m->append(r).ok());
  EXPECT_EQ(*m->search("INBOX", SearchKey::of(K::body, "zanzi")), (std::vector<uint32_t>{3}));
  m.reset();
  // The expunged body left the word index too (the vocabulary keeps its words).
  EXPECT_EQ(testing::query_with_password(file(), kPassword,
                                         "SELECT count(*) FROM message_text_words WHERE message_text_words MATCH "
                                         "'zanzibar'"),
            "1");
}

// Version 5 had no word index: the upgrade builds it from the text already indexed, and bodies
// still waiting for indexing get it when they are indexed.
TEST_F(WordIndexTest, VersionFiveGetsTheWordIndexAtOpen) {
  {
    auto m = create();
    AppendRequest r;
    r.message = message("indexed before the upgrade: quokka\r\n", 1);
    ASSERT_TRUE(m->append(r).ok());
    ASSERT_TRUE(m->index_pending().ok());
    r.message = message("appended, not indexed: quokkas\r\n", 2);
    ASSERT_TRUE(m->append(r).ok());
  }
  ASSERT_EQ(testing::exec_with_password(
                file(), kPassword,
                "DROP TABLE message_text_words; DROP TABLE message_text_vocab_tri; "
                "DROP TABLE message_text_vocab; DROP TABLE message_text_long; DROP TABLE message_text_body; "
                "DROP INDEX messages_folder_uid_body; PRAGMA user_version = 5;"),
            SQLITE_OK);
  auto m = Mailbox::open(file(), testing::secret(kPassword));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(testing::query_with_password(file(), kPassword, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(
      testing::query_with_password(file(), kPassword, "SELECT count(*) FROM message_text_vocab WHERE word = 'quokka'"),
      "1");
  EXPECT_EQ(*(*m)->search("INBOX", SearchKey::of(K::body, "QUOKKA")), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(*(*m)->search("INBOX", SearchKey::of(K::body, "okkas")), (std::vector<uint32_t>{2}));
  EXPECT_EQ(*(*m)->search("INBOX", SearchKey::of(K::body, "KKA")), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(*(*m)->search("INBOX", SearchKey::of(K::body, "e: ")), (std::vector<uint32_t>{1}));
  EXPECT_EQ(testing::query_with_password(file(), kPassword,
                                         "SELECT count(*) FROM sqlite_schema WHERE name = 'messages_folder_uid_body'"),
            "1");
}

}  // namespace
}  // namespace sealmail::store

// The junk classifier (src/classify, issue 9): Robinson's token probability, Fisher's combination
// and the inverse chi-square against values worked out by hand, the model file, and the tokens.
#include <gtest/gtest.h>

#include <cmath>

#include "classify/bayes.h"
#include "classify/message_tokens.h"
#include "classify/model.h"
#include "classify/tokenizer.h"

namespace sealmail::classify {
namespace {

TEST(Chi2Q, MatchesTheClosedFormForEvenDegrees) {
  EXPECT_DOUBLE_EQ(chi2q(0, 2), 1.0);
  EXPECT_NEAR(chi2q(2, 2), std::exp(-1.0), 1e-12);  // v = 2: e^(-x/2)
  // v = 4: e^(-m) (1 + m), m = x/2
  EXPECT_NEAR(chi2q(6, 4), std::exp(-3.0) * (1 + 3.0), 1e-12);
  // v = 6: e^(-m) (1 + m + m^2/2)
  EXPECT_NEAR(chi2q(10, 6), std::exp(-5.0) * (1 + 5.0 + 12.5), 1e-12);
  EXPECT_LT(chi2q(1000, 2), 1e-100);
}

TEST(TokenProbability, RobinsonsFormula) {
  // Unknown word: x.
  EXPECT_DOUBLE_EQ(token_probability(0, 0, 10, 10), 0.5);
  // Seen in 3 of 43 bad and none of 40 good: p = 1, n = 3, f = (0.5 + 3) / 4.
  EXPECT_DOUBLE_EQ(token_probability(3, 0, 43, 40), 0.875);
  EXPECT_DOUBLE_EQ(token_probability(0, 3, 43, 40), 0.125);
  // Equally frequent on both sides: 0.5 whatever n.
  EXPECT_DOUBLE_EQ(token_probability(10, 20, 50, 100), 0.5);
  // p = (4/10) / (4/10 + 1/10) = 0.8, n = 5: (0.5 + 4) / 6 = 0.75.
  EXPECT_DOUBLE_EQ(token_probability(4, 1, 10, 10), 0.75);
  // A side with no messages trained contributes nothing.
  EXPECT_DOUBLE_EQ(token_probability(0, 5, 0, 10), (0.5 + 0) / 6);
}

TEST(Combine, NoEvidenceIsUnsure) {
  EXPECT_DOUBLE_EQ(combine({}), 0.5);
  EXPECT_DOUBLE_EQ(combine({0.5, 0.55, 0.45}), 0.5);  // all under min_deviation
}

TEST(Combine, AgreesWithFishersMethodByHand) {
  // One token f = 0.9 (k = 1, v = 2): S = 1 - e^(ln 0.1) = 0.9, H = 1 - e^(ln 0.9) = 0.1.
  EXPECT_NEAR(combine({0.9}), (1 + 0.9 - 0.1) / 2, 1e-12);
  // Two tokens 0.9 and 0.2 (v = 4): S = 1 - chi2q(-2 ln(0.1*0.8), 4), H = 1 - chi2q(-2 ln(0.9*0.2), 4).
  double s = 1 - chi2q(-2 * std::log(0.1 * 0.8), 4), h = 1 - chi2q(-2 * std::log(0.9 * 0.2), 4);
  EXPECT_NEAR(combine({0.9, 0.2}), (1 + s - h) / 2, 1e-12);
}

TEST(Combine, StrongAgreementIsNearCertainAndConflictIsUnsure) {
  EXPECT_GT(combine(std::vector<double>(20, 0.95)), 0.999);
  EXPECT_LT(combine(std::vector<double>(20, 0.05)), 0.001);
  std::vector<double> mixed(10, 0.95);
  mixed.insert(mixed.end(), 10, 0.05);
  EXPECT_NEAR(combine(mixed), 0.5, 1e-9);
}

TEST(Combine, KeepsOnlyTheMostExtremeTokens) {
  ScoreOptions o;
  o.max_tokens = 3;
  // 0.99 x 3 win over ten mild ham tokens.
  std::vector<double> f{0.99, 0.99, 0.99};
  f.insert(f.end(), 10, 0.3);
  EXPECT_GT(combine(f, o), 0.99);
}

std::vector<Token> words(std::string_view text) {
  std::vector<Token> t;
  add_text_tokens("b:", text, t);
  unique_tokens(t);
  return t;
}

Model trained() {
  Model m;
  for (int i = 0; i < 20; ++i) {
    m.add(words("cheap pills casino winner prize claim now"), Category::spam, 1);
    m.add(words("meeting agenda project report lunch tomorrow"), Category::ham, 1);
  }
  m.add(words("explicit nude webcam girls"), Category::adult, 1);
  m.add(words("explicit nude webcam girls"), Category::adult, 1);
  return m;
}

TEST(Score, SeparatesWhatTheModelLearned) {
  Model m = trained();
  auto spam = score(words("claim your casino prize now"), m, nullptr);
  auto ham = score(words("the project meeting agenda for tomorrow"), m, nullptr);
  auto unknown = score(words("tulips compost seedlings"), m, nullptr);
  EXPECT_TRUE(spam.trained);
  EXPECT_GT(spam.spam, 0.99);
  EXPECT_LT(ham.spam, 0.01);
  EXPECT_DOUBLE_EQ(unknown.spam, 0.5);
  EXPECT_FALSE(spam.personal);
  auto adult = score(words("nude webcam girls"), m, nullptr);
  EXPECT_TRUE(adult.adult_trained);
  EXPECT_GT(adult.adult, 0.9);
  EXPECT_GT(adult.spam, 0.9);  // adult counts as bad for the spam score
  EXPECT_LT(spam.adult, 0.5);
}

TEST(Score, UntrainedIsUnsure) {
  Model empty;
  auto s = score(words("claim your casino prize now"), empty, nullptr);
  EXPECT_FALSE(s.trained);
  EXPECT_DOUBLE_EQ(s.spam, 0.5);
  EXPECT_DOUBLE_EQ(s.adult, 0.0);
}

TEST(Score, AnOwnersFewMessagesDecideWordsTheServerDoesNotKnow) {
  Model m = trained();
  Model personal;
  auto newsletter = words("gardening club tulips compost seedlings bulbs");
  EXPECT_DOUBLE_EQ(score(newsletter, m, &personal).spam, 0.5);
  for (int i = 0; i < 3; ++i) personal.add(newsletter, Category::spam, 1);
  auto junk = score(newsletter, m, &personal);
  EXPECT_TRUE(junk.personal);
  EXPECT_GT(junk.spam, 0.99);
  // Taken back (forgotten) and taught the other way.
  for (int i = 0; i < 3; ++i) {
    personal.add(newsletter, Category::spam, -1);
    personal.add(newsletter, Category::ham, 1);
  }
  EXPECT_LT(score(newsletter, m, &personal).spam, 0.01);
}

TEST(ModelTest, CountsNeverGoBelowZero) {
  Model m;
  m.add(words("alpha beta"), Category::ham, -1);
  EXPECT_EQ(m.totals.ham, 0u);
  EXPECT_EQ(m.size(), 0u);
  m.add(words("alpha beta"), Category::spam, 1);
  m.add(words("alpha"), Category::spam, -1);
  EXPECT_EQ(m.find(token_of("b:", "alpha")).spam, 0u);
  EXPECT_EQ(m.find(token_of("b:", "beta")).spam, 1u);
  EXPECT_EQ(m.size(), 1u);
}

TEST(ModelTest, FileRoundTripAndDamage) {
  Model m = trained();
  std::string bytes = m.serialize();
  auto back = Model::parse(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->serialize(), bytes);
  EXPECT_EQ(back->totals.spam, 20u);
  EXPECT_EQ(back->totals.adult, 2u);
  EXPECT_EQ(back->find(token_of("b:", "casino")).spam, 20u);
  EXPECT_FALSE(Model::parse(bytes.substr(0, bytes.size() - 1)));  // truncated record
  EXPECT_FALSE(Model::parse(bytes + "x"));                        // trailing byte
  EXPECT_FALSE(Model::parse("SMJUNK2\n" + bytes.substr(8)));      // other version
  EXPECT_FALSE(Model::parse(""));
  std::string huge = bytes;
  huge[20] = '\xff';  // a record count far beyond the bytes
  huge[27] = '\x7f';
  EXPECT_FALSE(Model::parse(huge));
  if (m.size() >= 2) {  // two records swapped: out of order
    std::string swapped = bytes;
    std::string first = swapped.substr(28, 20), second = swapped.substr(48, 20);
    swapped.replace(28, 20, second).replace(48, 20, first);
    EXPECT_FALSE(Model::parse(swapped));
  }
}

TEST(Tokenizer, WordsLowerCasedWithoutNumbersQuotesOrShortRuns) {
  std::vector<Token> t;
  add_text_tokens("b:", "Hello, WORLD! 12345 a 'quoted' don't $99 x", t);
  std::vector<Token> want{token_of("b:", "hello"), token_of("b:", "world"), token_of("b:", "quoted"),
                          token_of("b:", "don't"), token_of("b:", "$99")};
  EXPECT_EQ(t, want);
  EXPECT_NE(token_of("s:", "hello"), token_of("b:", "hello"));  // where a word was counts
  t.clear();
  add_text_tokens("b:", std::string(41, 'a') + " " + std::string(40, 'b'), t);
  EXPECT_EQ(t, std::vector<Token>{token_of("b:", std::string(40, 'b'))});
}

TEST(Tokenizer, StopsAtTheLimit) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "w" + std::to_string(i) + "x ";
  std::vector<Token> t;
  TokenLimits limits;
  limits.max_tokens = 10;
  add_text_tokens("b:", text, t, limits);
  EXPECT_EQ(t.size(), 10u);
}

TEST(MessageTokens, SubjectBodyHtmlAndForm) {
  std::string raw =
      "From: Shop <deals@shop.example>\r\nSubject: =?utf-8?q?Gro=C3=9Fe_Sale?=\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nCheap "
      "watches\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Visit <span>https://shop.example/</span></p>\r\n--b--\r\n";
  auto t = message_tokens(raw);
  auto has = [&](Token x) { return std::binary_search(t.begin(), t.end(), x); };
  EXPECT_TRUE(has(token_of("s:", "sale")));
  EXPECT_TRUE(has(token_of("s:", "große")));
  EXPECT_TRUE(has(token_of("b:", "cheap")));
  EXPECT_TRUE(has(token_of("b:", "visit")));  // the HTML part's text
  EXPECT_FALSE(has(token_of("b:", "span")));  // not its tags
  EXPECT_TRUE(has(token_of("x:", "links-1")));
  EXPECT_TRUE(has(token_of("x:from:", "shop.example")));
  EXPECT_FALSE(has(token_of("x:", "no-subject")));
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
}

}  // namespace
}  // namespace sealmail::classify

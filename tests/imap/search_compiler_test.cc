// The search compiler (src/imap/server/search_compiler.h): IMAP keys -> the store's query, with
// message numbers, "*" and "$" resolved against the session's view.
#include <gtest/gtest.h>

#include "imap/protocol/command_parser.h"
#include "imap/server/search_compiler.h"

namespace sealmail::imap {
namespace {

using SK = store::SearchKey;

store::SearchKey compile(const std::string& keys, const std::vector<uint32_t>& uids,
                         const std::vector<uint32_t>& saved = {}) {
  auto parsed = parse_command("A SEARCH " + keys, Limits::after_login());
  auto& command = std::get<Command>(parsed);
  return compile_search(std::get<SearchArgs>(command.args).key, SearchContext{&uids, &saved});
}

TEST(SearchCompiler, MessageNumbersBecomeUids) {
  auto k = compile("2:*", {10, 20, 30});
  ASSERT_EQ(k.kind, SK::Kind::uids);
  ASSERT_EQ(k.uids.size(), 1u);
  EXPECT_EQ(k.uids[0].first, 20u);
  EXPECT_EQ(k.uids[0].last, 30u);
}

TEST(SearchCompiler, NumbersBeyondTheMailboxMatchNothing) {
  auto k = compile("5", {10, 20});
  EXPECT_EQ(k.kind, SK::Kind::not_);
  EXPECT_EQ(k.children.at(0).kind, SK::Kind::all);
}

TEST(SearchCompiler, UidStarIsTheLargestUid) {
  auto k = compile("UID 15:*", {10, 20, 30});
  ASSERT_EQ(k.kind, SK::Kind::uids);
  EXPECT_EQ(k.uids.at(0).first, 15u);
  EXPECT_EQ(k.uids.at(0).last, 30u);
}

TEST(SearchCompiler, SavedResultAndFlagsAndNesting) {
  auto k = compile("OR $ UNSEEN NOT FROM bob", {1, 2, 3}, {2});
  ASSERT_EQ(k.kind, SK::Kind::and_);
  ASSERT_EQ(k.children.size(), 2u);
  auto& either = k.children[0];
  ASSERT_EQ(either.kind, SK::Kind::or_);
  EXPECT_EQ(either.children[0].kind, SK::Kind::uids);
  EXPECT_EQ(either.children[1].kind, SK::Kind::flag_unset);
  EXPECT_EQ(either.children[1].number, store::kSeen);
  EXPECT_EQ(k.children[1].kind, SK::Kind::not_);
  EXPECT_EQ(k.children[1].children[0].kind, SK::Kind::from);
  EXPECT_EQ(k.children[1].children[0].text, "bob");
}

TEST(SearchCompiler, RegexFieldsAreNamedForTheStore) {
  auto k = compile("X-REGEX SUBJECT \"^a.*b$\"", {1});
  EXPECT_EQ(k.kind, SK::Kind::regex);
  EXPECT_EQ(k.field, "subject");
  EXPECT_EQ(k.text, "(?i)^a.*b$");  // matched case-insensitively, as the README says
}

TEST(SearchCompiler, RecentIsTheSessionsRecentUids) {
  // Without recent messages (or under IMAP4rev2): RECENT matches nothing, OLD everything.
  auto none = compile("RECENT", {1});
  ASSERT_EQ(none.kind, SK::Kind::not_);
  EXPECT_EQ(none.children.at(0).kind, SK::Kind::all);
  auto old = compile("OLD", {1});
  ASSERT_EQ(old.kind, SK::Kind::not_);
  EXPECT_EQ(old.children.at(0).kind, SK::Kind::not_);
  // With recent UIDs 5:7: RECENT is them, NEW them and unseen, OLD the others.
  std::vector<uint32_t> uids{1, 5, 6, 7}, saved;
  store::UidSet recent{{5, 7}};
  auto with = [&](const std::string& keys) {
    auto parsed = parse_command("A SEARCH " + keys, Limits::after_login());
    return compile_search(std::get<SearchArgs>(std::get<Command>(parsed).args).key,
                          SearchContext{&uids, &saved, &recent});
  };
  auto r = with("RECENT");
  ASSERT_EQ(r.kind, SK::Kind::uids);
  EXPECT_EQ(r.uids.at(0).first, 5u);
  EXPECT_EQ(r.uids.at(0).last, 7u);
  auto n = with("NEW");
  ASSERT_EQ(n.kind, SK::Kind::and_);
  EXPECT_EQ(n.children.at(0).kind, SK::Kind::uids);
  EXPECT_EQ(n.children.at(1).kind, SK::Kind::flag_unset);
  auto o = with("OLD");
  ASSERT_EQ(o.kind, SK::Kind::not_);
  EXPECT_EQ(o.children.at(0).kind, SK::Kind::uids);
}

}  // namespace
}  // namespace sealmail::imap

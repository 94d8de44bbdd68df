// THREAD (RFC 5256): base subjects and both algorithms, checked against hand-worked examples.
#include <gtest/gtest.h>

#include "imap/server/thread.h"

namespace sealmail::imap {
namespace {

store::ThreadFields msg(uint32_t uid, std::string subject, std::string date, std::string id,
                        std::vector<std::string> refs = {}) {
  store::ThreadFields f;
  f.uid = uid;
  f.subject = std::move(subject);
  f.date = std::move(date);
  f.message_id = std::move(id);
  f.references = std::move(refs);
  return f;
}

uint32_t same(uint32_t uid) { return uid; }

TEST(BaseSubject, StripsLeadersTrailersAndWrapping) {
  bool reply = false;
  EXPECT_EQ(base_subject("Re: Re:  hello   world", &reply), "HELLO WORLD");
  EXPECT_TRUE(reply);
  EXPECT_EQ(base_subject("Fwd: [list] Re: hello (fwd)", &reply), "HELLO");
  EXPECT_TRUE(reply);
  EXPECT_EQ(base_subject("[Fwd: hello]", &reply), "HELLO");
  EXPECT_TRUE(reply);
  EXPECT_EQ(base_subject("RE[2]: hello", &reply), "HELLO");
  EXPECT_EQ(base_subject("hello", &reply), "HELLO");
  EXPECT_FALSE(reply);
  // A blob alone is the subject itself, not a leader.
  EXPECT_EQ(base_subject("[only]", &reply), "[ONLY]");
  EXPECT_EQ(base_subject("", &reply), "");
  EXPECT_EQ(base_subject("Re:", &reply), "");
}

TEST(ThreadOrderedSubject, GroupsByBaseSubjectFirstIsParent) {
  std::vector<store::ThreadFields> m = {
      msg(1, "apples", "2026-01-01T00:00:00Z", "a"), msg(2, "Re: apples", "2026-01-02T00:00:00Z", "b"),
      msg(3, "pears", "2026-01-01T12:00:00Z", "c"),  msg(4, "Re: apples", "2026-01-03T00:00:00Z", "d"),
      msg(5, "pears", "2026-01-04T00:00:00Z", "e"),
  };
  EXPECT_EQ(thread_orderedsubject(m, same), "(1 (2)(4))(3 5)");
}

TEST(ThreadReferences, FollowsReferencesAndSortsByDate) {
  std::vector<store::ThreadFields> m = {
      msg(1, "root", "2026-01-01T00:00:00Z", "r"),
      msg(2, "Re: root", "2026-01-02T00:00:00Z", "a", {"r"}),
      msg(3, "Re: root", "2026-01-03T00:00:00Z", "b", {"r"}),
      msg(4, "Re: Re: root", "2026-01-04T00:00:00Z", "c", {"r", "a"}),
      msg(5, "other", "2026-01-01T06:00:00Z", "o"),
  };
  EXPECT_EQ(thread_references(m, same), "(1 (2 4)(3))(5)");
}

TEST(ThreadReferences, MissingParentBecomesDummyOnlyWithSeveralChildren) {
  std::vector<store::ThreadFields> m = {
      msg(1, "Re: lost", "2026-01-02T00:00:00Z", "a", {"gone"}),
      msg(2, "Re: lost", "2026-01-03T00:00:00Z", "b", {"gone"}),
      msg(3, "Re: single", "2026-01-01T00:00:00Z", "c", {"gone2"}),
  };
  EXPECT_EQ(thread_references(m, same), "(3)((1)(2))");
}

TEST(ThreadReferences, SameBaseSubjectWithoutReferencesIsMerged) {
  std::vector<store::ThreadFields> m = {
      msg(1, "party", "2026-01-01T00:00:00Z", "a"),
      msg(2, "Re: party", "2026-01-02T00:00:00Z", "b"),
  };
  EXPECT_EQ(thread_references(m, same), "(1 2)");
}

TEST(ThreadReferences, LoopsAndDuplicateIdsDoNotHang) {
  std::vector<store::ThreadFields> m = {
      msg(1, "x", "2026-01-01T00:00:00Z", "a", {"b"}),
      msg(2, "y", "2026-01-02T00:00:00Z", "b", {"a"}),
      msg(3, "z", "2026-01-03T00:00:00Z", "a"),
  };
  auto out = thread_references(m, same);
  for (char d : {'1', '2', '3'}) EXPECT_NE(out.find(d), std::string::npos) << out;
}

TEST(ThreadReferences, NumbersAreMappedForTheClient) {
  std::vector<store::ThreadFields> m = {msg(10, "a", "2026-01-01T00:00:00Z", "x"),
                                        msg(20, "Re: a", "2026-01-02T00:00:00Z", "y", {"x"})};
  EXPECT_EQ(thread_references(m, [](uint32_t uid) { return uid / 10; }), "(1 2)");
}

}  // namespace
}  // namespace sealmail::imap

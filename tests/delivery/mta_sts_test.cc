// MTA-STS's parsers (delivery/mtasts/policy.h) as wire text -> value tables, each case pointing
// at the RFC 8461 text it checks.
#include <gtest/gtest.h>

#include "delivery/mtasts/policy.h"

using namespace sealmail::delivery::mtasts;

TEST(MtaStsTxt, ParsesTheRfcExample) {
  // §3.1: _mta-sts.example.com.  IN TXT "v=STSv1; id=20160831085700Z;"
  auto r = parse_txt("v=STSv1; id=20160831085700Z;");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "20160831085700Z");
  ASSERT_TRUE(parse_txt("v=STSv1;id=abc"));
  EXPECT_EQ(parse_txt("v=STSv1;  id=abc  ;  ext=x;")->id, "abc");  // extension fields are ignored
}

TEST(MtaStsTxt, RejectsWhatTheGrammarForbids) {
  for (const char* bad : {"", "id=abc; v=STSv1", "v=STSv2; id=abc", "v=STSv1", "v=STSv1; id=", "v=STSv1; id=a-b",
                          "v=STSv1; id=123456789012345678901234567890123", "v=STSv1; id=a; id=b", "v=STSv1; junk"})
    EXPECT_FALSE(parse_txt(bad)) << bad;
}

TEST(MtaStsTxt, MoreThanOneStsRecordIsNone) {
  // §3.1: "If multiple TXT records for _mta-sts are returned by the resolver, records that do not
  // begin with v=STSv1; are discarded. If the number of resulting records is not one ... senders
  // MUST assume the recipient domain does not have an available MTA-STS policy."
  EXPECT_EQ(pick_txt({"v=spf1 -all", "v=STSv1; id=a1"})->id, "a1");
  EXPECT_FALSE(pick_txt({"v=STSv1; id=a1", "v=STSv1; id=a2"}));
  EXPECT_FALSE(pick_txt({"v=spf1 -all"}));
}

TEST(MtaStsPolicy, ParsesTheRfcExample) {
  // §3.2's example policy.
  auto p = parse_policy(
      "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\n"
      "max_age: 604800\r\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mode, Mode::enforce);
  EXPECT_EQ(p->max_age, 604800);
  ASSERT_EQ(p->mx.size(), 3u);
  EXPECT_EQ(p->mx[1], "*.example.net");
}

TEST(MtaStsPolicy, AcceptsBareLineFeedsUnknownKeysAndCase) {
  auto p = parse_policy("version: STSv1\nmode: testing\nmx: MX.Example.COM.\nmax_age: 86400\nfuture: yes\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mode, Mode::testing);
  EXPECT_EQ(p->mx, std::vector<std::string>{"mx.example.com"});
  auto none = parse_policy("version: STSv1\r\nmode: none\r\nmax_age: 0\r\n");  // mx not needed in mode none
  ASSERT_TRUE(none);
  EXPECT_EQ(none->mode, Mode::none);
}

TEST(MtaStsPolicy, RejectsMissingOrMalformedFields) {
  for (const char* bad : {
           "mode: enforce\nmx: a.example\nmax_age: 1\n",                              // no version
           "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n",              // wrong version
           "version: STSv1\nmx: a.example\nmax_age: 1\n",                             // no mode
           "version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n",               // unknown mode
           "version: STSv1\nmode: enforce\nmx: a.example\n",                          // no max_age
           "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n",             // not 1*10DIGIT
           "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n",       // over a year
           "version: STSv1\nmode: enforce\nmax_age: 1\n",                             // enforce without mx
           "version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 1\n",             // empty label
           "version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 1\n",            // wildcard only leftmost
           "version: STSv1\nmode: enforce\nmode: none\nmx: a.example\nmax_age: 1\n",  // repeated
           "version: STSv1\nno colon here\nmode: none\nmax_age: 1\n",
       })
    EXPECT_FALSE(parse_policy(bad)) << bad;
  std::string big = "version: STSv1\nmode: none\nmax_age: 1\n" + std::string(kMaxPolicyBytes, '\n');
  EXPECT_FALSE(parse_policy(big));
}

TEST(MtaStsMatch, WildcardCoversExactlyOneLabel) {
  // §4.1: "*.example.com" matches "mx1.example.com" but not "example.com" nor "a.b.example.com".
  EXPECT_TRUE(mx_matches("*.example.com", "mx1.example.com"));
  EXPECT_TRUE(mx_matches("*.example.com", "MX1.Example.Com."));
  EXPECT_FALSE(mx_matches("*.example.com", "example.com"));
  EXPECT_FALSE(mx_matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(mx_matches("*.example.com", ".example.com"));
  EXPECT_TRUE(mx_matches("mail.example.com", "mail.example.com."));
  EXPECT_FALSE(mx_matches("mail.example.com", "mail.example.com.evil"));
  Policy p{Mode::enforce, 1, {"mail.example.com", "*.example.net"}};
  EXPECT_TRUE(policy_allows(p, "x.example.net"));
  EXPECT_FALSE(policy_allows(p, "evil.example.org"));
}

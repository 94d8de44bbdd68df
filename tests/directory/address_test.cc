// Names the directory accepts and refuses: a table per kind of name.
#include "directory/address.h"

#include <gtest/gtest.h>

#include <set>

#include "directory/directory.h"

namespace sealmail::directory {
namespace {

TEST(Domain, NormalizesCaseAndTrailingDot) {
  EXPECT_EQ(*normalize_domain("Example.COM"), "example.com");
  EXPECT_EQ(*normalize_domain("mail.example.com."), "mail.example.com");
  EXPECT_EQ(*normalize_domain("xn--bcher-kva.example"), "xn--bcher-kva.example");
  EXPECT_EQ(*normalize_domain("Bücher.Example"), "bücher.example");  // IDN kept in UTF-8; ASCII folded
  EXPECT_EQ(*normalize_domain("localhost"), "localhost");
  EXPECT_EQ(*normalize_domain("a-b.c0"), "a-b.c0");
  EXPECT_EQ(*normalize_domain(std::string(63, 'a') + ".com"), std::string(63, 'a') + ".com");
}

TEST(Domain, RefusesWhatIsNotADnsName) {
  const std::string too_long = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                               std::string(62, 'd') + ".e";  // 255 bytes
  for (std::string bad : {std::string(""), std::string("."), std::string("example..com"), std::string(".example.com"),
                          std::string("-example.com"), std::string("example-.com"), std::string("exa_mple.com"),
                          std::string("exa mple.com"), std::string("example.com/x"), std::string("1.2.3.4"),
                          std::string("example.123"), std::string(64, 'a') + ".com", too_long,
                          std::string("bad\xff.com"), std::string("user@example.com"), std::string("[127.0.0.1]")}) {
    auto r = normalize_domain(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_TRUE(r.error().message.starts_with("invalid domain name: ")) << r.error().message;
  }
}

TEST(Address, ParsesDotAtomAndUtf8LocalParts) {
  auto a = parse_address("First.Last+tag@Example.com");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->local, "First.Last+tag");
  EXPECT_EQ(a->domain, "example.com");
  EXPECT_EQ(*normalize_address("First.Last+tag@Example.com"), "first.last+tag@example.com");
  EXPECT_EQ(*normalize_address("Ünïcode@example.com"), "Ünïcode@example.com");  // RFC 6531; non-ASCII not folded
  EXPECT_EQ(*normalize_address("a!#$%&'*+-/=?^_`{|}~b@example.com"), "a!#$%&'*+-/=?^_`{|}~b@example.com");
  EXPECT_EQ(*normalize_address(std::string(64, 'x') + "@example.com"), std::string(64, 'x') + "@example.com");
}

TEST(Address, RefusesMalformedAddresses) {
  for (std::string bad :
       {std::string("no-at-sign"), std::string("@example.com"), std::string("a@"), std::string(".a@example.com"),
        std::string("a.@example.com"), std::string("a..b@example.com"), std::string("\"quoted\"@example.com"),
        std::string("a b@example.com"), std::string("a,b@example.com"), std::string("a(b)@example.com"),
        std::string(65, 'x') + "@example.com", std::string("a\xc3@example.com"), std::string("a@b@example..com")}) {
    auto r = parse_address(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
}

TEST(AliasPattern, ExactCatchAllAndRegex) {
  auto exact = parse_alias_address("Hello@Example.com");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->kind, AliasKind::exact);
  EXPECT_EQ(exact->local_key, "hello");
  EXPECT_EQ(exact->domain, "example.com");

  auto all = parse_alias_address("*@example.com");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->kind, AliasKind::catch_all);
  EXPECT_EQ(all->local_key, "*");

  auto re = parse_alias_address("/^Sales-[0-9]+$/@example.com");
  ASSERT_TRUE(re.ok());
  EXPECT_EQ(re->kind, AliasKind::regex);
  EXPECT_EQ(re->local_key, "^Sales-[0-9]+$");  // as written

  auto at_inside = parse_alias_address("/a@b/@example.com");  // split at the last '@'
  ASSERT_TRUE(at_inside.ok());
  EXPECT_EQ(at_inside->local_key, "a@b");
}

TEST(AliasPattern, RefusesBadRegexAndBadLocalParts) {
  for (const std::string& bad : std::vector<std::string>{"/(unclosed/@example.com", "//@example.com",
                                                         "/a{2,1}/@example.com", "a*b c@example.com", "/x/@bad..domain",
                                                         "/" + std::string(300, 'a') + "/@example.com"}) {
    auto r = parse_alias_address(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
  auto r = parse_alias_address("/(x/@example.com");
  EXPECT_NE(r.error().message.find("bad regular expression"), std::string::npos) << r.error().message;
}

TEST(AliasPattern, RegexMatchesTheWholeLocalPartIgnoringCase) {
  EXPECT_TRUE(regex_matches("sales-[0-9]+", "sales-42"));
  EXPECT_TRUE(regex_matches("sales-[0-9]+", "SALES-42"));
  EXPECT_TRUE(regex_matches("SALES-.*", "sales-x"));
  EXPECT_FALSE(regex_matches("sales-[0-9]+", "sales-42x"));  // full match, not a search
  EXPECT_FALSE(regex_matches("sales", "presales"));
  EXPECT_FALSE(regex_matches("(broken", "broken"));
}

TEST(Webhook, AcceptsHttpAndHttpsOnly) {
  for (const char* ok : {"https://hooks.example.com/mail", "http://127.0.0.1:8080/in?token=abc", "HTTPS://Example.com",
                         "https://[::1]:9000/x", "https://user:pw@example.com/", "http://localhost"}) {
    EXPECT_TRUE(validate_webhook_url(ok).ok()) << ok;
  }
  for (const char* bad : {"ftp://example.com/", "example.com/hook", "https://", "https:///path", "https://exa mple.com",
                          "https://example.com:0/", "https://example.com:65536/", "https://example.com:/",
                          "https://example.com:80a/", "https://[::1/", "javascript:alert(1)", "https://a.com/\n"}) {
    auto s = validate_webhook_url(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
  }
  EXPECT_FALSE(validate_webhook_url("https://example.com/" + std::string(2100, 'a')).ok());
}

TEST(Names, AccountNamesAndDkimSelectors) {
  EXPECT_TRUE(validate_account_name("you@example.com").ok());
  EXPECT_TRUE(validate_account_name("team_1.ops-x+y").ok());
  EXPECT_FALSE(validate_account_name("").ok());
  EXPECT_FALSE(validate_account_name("has space").ok());
  EXPECT_FALSE(validate_account_name(std::string(65, 'a')).ok());
  EXPECT_TRUE(validate_dkim_selector("").ok());
  EXPECT_TRUE(validate_dkim_selector("sealmail2026").ok());
  EXPECT_TRUE(validate_dkim_selector("s1.mail").ok());
  EXPECT_FALSE(validate_dkim_selector("-x").ok());
  EXPECT_FALSE(validate_dkim_selector("a..b").ok());
  EXPECT_FALSE(validate_dkim_selector("a_b").ok());
}

TEST(MailboxId, RandomHexNeverTheAddress) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = new_mailbox_id();
    EXPECT_TRUE(is_mailbox_id(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_FALSE(is_mailbox_id("0123456789abcdef0123456"));    // 23
  EXPECT_FALSE(is_mailbox_id("0123456789ABCDEF01234567"));   // upper case
  EXPECT_FALSE(is_mailbox_id("../../etc/passwd/xxxxxxxx"));  // never a path
}

TEST(MailboxId, PathIsUnderTheMailboxesFolder) {
  EXPECT_EQ(mailbox_path("/var/lib/sealmail", "0123456789abcdef01234567"),
            std::filesystem::path("/var/lib/sealmail/mailboxes/0123456789abcdef01234567.sqlite"));
  EXPECT_THROW((void)mailbox_path("/data", "../secret"), std::invalid_argument);
}

TEST(Quota, EffectiveIsTheSmallestLimitSet) {
  QuotaLimits q;
  EXPECT_FALSE(q.effective().has_value());
  q.account = 1000;
  EXPECT_EQ(q.effective(), 1000u);
  q.domain = 500;
  EXPECT_EQ(q.effective(), 500u);
  q.alias = 700;
  EXPECT_EQ(q.effective(), 500u);
  q.alias = 100;
  EXPECT_EQ(q.effective(), 100u);
  q.account.reset();
  q.domain.reset();
  EXPECT_EQ(q.effective(), 100u);
}

}  // namespace
}  // namespace sealmail::directory

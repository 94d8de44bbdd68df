// Tables of wire text -> parsed value for the parsers of src/delivery/auth (issue 9): tag lists
// (RFC 6376 §3.2), SPF records and macros (RFC 7208 §4.6, §7 with its own examples), DMARC records
// (RFC 7489 §6.3), Authentication-Results (RFC 8601) and the DKIM canonical body (RFC 6376 §3.4).
#include <gtest/gtest.h>

#include "delivery/auth/authentication_results.h"
#include "delivery/auth/dkim_verify.h"
#include "delivery/auth/dmarc.h"
#include "delivery/auth/spf_record.h"
#include "delivery/auth/tag_list.h"

using namespace sealmail::delivery::auth;

TEST(TagList, ParsesTrimsAndKeepsOffsets) {
  std::string text = " v=1; a = rsa-sha256 ;\r\n\tb=ab cd\r\n\t ef;";
  auto list = parse_tag_list(text);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->tags.size(), 3u);
  EXPECT_EQ(list->find("a")->value, "rsa-sha256");
  EXPECT_EQ(strip_whitespace(list->find("b")->value), "abcdef");
  const Tag* b = list->find("b");
  EXPECT_EQ(text.substr(0, b->value_begin) + text.substr(b->value_end), " v=1; a = rsa-sha256 ;\r\n\tb=;");
}

TEST(TagList, RefusesDuplicatesAndBadNames) {
  EXPECT_FALSE(parse_tag_list("a=1; a=2"));
  EXPECT_FALSE(parse_tag_list("1a=1"));
  EXPECT_FALSE(parse_tag_list("a"));
  EXPECT_FALSE(parse_tag_list("a=1;; b=2"));
  EXPECT_TRUE(parse_tag_list(""));
  EXPECT_TRUE(parse_tag_list("a=1;"));
}

TEST(Spf, ParsesEveryMechanism) {
  auto r = parse_spf_record(
      "v=spf1 ip4:192.0.2.0/24 -ip6:2001:db8::/32 a/28//64 mx:example.org ~ptr "
      "?include:_spf.example.org exists:%{i}.x.org -all redirect=example.net exp=e.org x-y=z");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->terms.size(), 8u);
  EXPECT_EQ(r->terms[0].cidr4, 24);
  EXPECT_EQ(r->terms[1].qualifier, '-');
  EXPECT_EQ(r->terms[1].cidr6, 32);
  EXPECT_EQ(r->terms[2].cidr4, 28);
  EXPECT_EQ(r->terms[2].cidr6, 64);
  EXPECT_EQ(r->terms[3].domain_spec, "example.org");
  EXPECT_EQ(*r->redirect, "example.net");
}

TEST(Spf, PermerrorsAndVersions) {
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));
  EXPECT_TRUE(is_spf_record("V=SPF1"));
  EXPECT_FALSE(parse_spf_record("v=spf1 frobnicate -all"));
  EXPECT_FALSE(parse_spf_record("v=spf1 ip4:300.1.1.1"));
  EXPECT_FALSE(parse_spf_record("v=spf1 ip4:192.0.2.1/33"));
  EXPECT_FALSE(parse_spf_record("v=spf1 redirect=a.org redirect=b.org"));
  EXPECT_FALSE(parse_spf_record("v=spf1 include"));
}

TEST(Spf, MacroExamplesOfRfc7208Section7_4) {
  SpfMacroContext c{"strong-bad@email.example.com", "email.example.com", "192.0.2.3", false, "mx.example.org", "r"};
  auto x = [&](const char* m) { return expand_spf_macros(m, c).value_or("<error>"); };
  EXPECT_EQ(x("%{s}"), "strong-bad@email.example.com");
  EXPECT_EQ(x("%{o}"), "email.example.com");
  EXPECT_EQ(x("%{d4}"), "email.example.com");
  EXPECT_EQ(x("%{d2}"), "example.com");
  EXPECT_EQ(x("%{d1}"), "com");
  EXPECT_EQ(x("%{dr}"), "com.example.email");
  EXPECT_EQ(x("%{d2r}"), "example.email");
  EXPECT_EQ(x("%{l}"), "strong-bad");
  EXPECT_EQ(x("%{l-}"), "strong.bad");
  EXPECT_EQ(x("%{lr}"), "strong-bad");
  EXPECT_EQ(x("%{lr-}"), "bad.strong");
  EXPECT_EQ(x("%{l1r-}"), "strong");
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(x("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
  c.ip = "2001:db8::cb01";
  c.ipv6 = true;
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}"),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
  EXPECT_EQ(x("%{z}"), "<error>");
  EXPECT_EQ(x("%"), "<error>");
}

TEST(Dmarc, Records) {
  auto r = parse_dmarc_record("v=DMARC1; p=quarantine; sp=reject; pct=20; adkim=s");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->p, DmarcPolicy::quarantine);
  EXPECT_EQ(*r->sp, DmarcPolicy::reject);
  EXPECT_EQ(r->pct, 20);
  EXPECT_TRUE(r->strict_dkim);
  EXPECT_FALSE(r->strict_spf);
  EXPECT_FALSE(parse_dmarc_record("p=reject; v=DMARC1"));
  EXPECT_FALSE(parse_dmarc_record("v=DMARC1; p=maybe"));
  EXPECT_FALSE(parse_dmarc_record("v=DMARC1"));
}

TEST(Dmarc, FromDomainAndOrganizationalDomain) {
  EXPECT_EQ(from_domain(" Alice <alice@Example.ORG>"), "example.org");
  EXPECT_EQ(from_domain(" bob@example.net\r\n"), "example.net");
  EXPECT_FALSE(from_domain(" a@example.org, b@example.net"));
  EXPECT_FALSE(from_domain(" undisclosed"));
  EXPECT_EQ(organizational_domain("mail.example.co.uk"), "example.co.uk");
  EXPECT_EQ(organizational_domain("a.b.example.com"), "example.com");
  EXPECT_EQ(organizational_domain("sub.org.auth.test"), "auth.test");
}

TEST(AuthenticationResults, ParsesFormatsAndStrips) {
  auto ar = parse_authentication_results(
      " mail.test 1; spf=pass (ok) smtp.mailfrom=example.org;\r\n\tdkim=fail header.d=\"example.org\"");
  ASSERT_TRUE(ar);
  EXPECT_EQ(ar->authserv_id, "mail.test");
  ASSERT_EQ(ar->results.size(), 2u);
  EXPECT_EQ(ar->results[1].properties[0].second, "example.org");
  EXPECT_TRUE(parse_authentication_results("mail.test; none"));
  EXPECT_FALSE(parse_authentication_results("mail.test"));
  EXPECT_FALSE(parse_authentication_results("mail.test; spf"));

  AuthenticationResults ours{"mail.test", {{"spf", "pass", "", {{"smtp.mailfrom", "example.org"}}}}};
  EXPECT_EQ(format_authentication_results(ours),
            "Authentication-Results: mail.test;\r\n\tspf=pass smtp.mailfrom=example.org\r\n");

  std::string msg =
      "Authentication-Results: MAIL.test; dmarc=pass\r\n"
      "Authentication-Results: other.example; spf=pass\r\n"
      "authentication-results : mail.test;\r\n dkim=pass\r\n"
      "Authentication-Results: mail.test (broken\r\n"
      "Subject: hi\r\n\r\nAuthentication-Results: mail.test; in the body\r\n";
  size_t removed = 0;
  EXPECT_EQ(strip_authentication_results(msg, "mail.test", removed),
            "Authentication-Results: other.example; spf=pass\r\nSubject: hi\r\n\r\n"
            "Authentication-Results: mail.test; in the body\r\n");
  EXPECT_EQ(removed, 3u);
}

TEST(DkimCanon, Bodies) {
  // RFC 6376 §3.4.5's example.
  std::string body = " C \r\nD \t E\r\n\r\n\r\n";
  EXPECT_EQ(canonical_body(body, true), " C\r\nD E\r\n");
  EXPECT_EQ(canonical_body(body, false), " C \r\nD \t E\r\n");
  EXPECT_EQ(canonical_body("", false), "\r\n");
  EXPECT_EQ(canonical_body("", true), "");
  EXPECT_EQ(canonical_body("x", false), "x\r\n");
}

// The account web page's parts without I/O (src/admin/web): form and cookie parsing (tables of
// wire text -> value, byte by byte growth), the session table with a controlled clock, escaping.
#include <gtest/gtest.h>

#include "admin/web/form.h"
#include "admin/web/html.h"
#include "admin/web/sessions.h"

using namespace sealmail::admin::web;

TEST(WebForm, DecodesFields) {
  auto f = parse_form("username=hello%40example.com&password=a+b%26c%3D&empty=&flag");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ((*f)["username"], "hello@example.com");
  EXPECT_EQ((*f)["password"], "a b&c=");
  EXPECT_EQ((*f)["empty"], "");
  EXPECT_EQ((*f)["flag"], "");
  EXPECT_EQ(f->size(), 4u);
  auto lines = parse_form("forwards=a%40b.example%0D%0Ac%40d.example&&");
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ((*lines)["forwards"], "a@b.example\r\nc@d.example");
  EXPECT_TRUE(parse_form("").ok());
}

TEST(WebForm, RefusesMalformedInput) {
  for (const char* bad :
       {"a=%zz", "a=%4", "a=%", "a=1&a=2", "b%20c=1", "=1", "a=%00", "a=%1b", "a=%ff%fe", "na%C3%A9me=1"}) {
    auto f = parse_form(bad);
    EXPECT_FALSE(f.ok()) << bad;
    if (!f.ok()) {
      EXPECT_EQ(f.error().code, sealmail::Errc::invalid_argument) << bad;
    }
  }
}

TEST(WebForm, KeepsItsLimits) {
  FormLimits limits{2, 4, 3, 32};
  EXPECT_TRUE(parse_form("a=123&bcde=1", limits).ok());
  EXPECT_FALSE(parse_form("a=1&b=2&c=3", limits).ok());         // fields
  EXPECT_FALSE(parse_form("abcde=1", limits).ok());             // name
  EXPECT_FALSE(parse_form("a=1234", limits).ok());              // value
  EXPECT_FALSE(parse_form("a=%31%32%33%34", limits).ok());      // value, counted decoded
  EXPECT_FALSE(parse_form(std::string(33, 'a'), limits).ok());  // total
  // Every prefix of a good body either parses or is refused, never crashes (byte at a time).
  std::string body = "username=hello%40example.com&password=x%26y";
  for (size_t n = 0; n <= body.size(); ++n) (void)parse_form(body.substr(0, n));
}

TEST(WebForm, WipeEmptiesTheForm) {
  auto f = parse_form("password=secret");
  ASSERT_TRUE(f.ok());
  wipe(*f);
  EXPECT_TRUE(f->empty());
}

TEST(WebCookie, FindsTheValue) {
  EXPECT_EQ(cookie_value("a=1; __Host-sealmail=abc; b=2", "__Host-sealmail"), "abc");
  EXPECT_EQ(cookie_value("__Host-sealmail=\"abc\"", "__Host-sealmail"), "abc");
  EXPECT_EQ(cookie_value("x; __Host-sealmail=abc", "__Host-sealmail"), "abc");
  EXPECT_FALSE(cookie_value("a=1", "__Host-sealmail"));
  EXPECT_FALSE(cookie_value("__Host-sealmail=a b", "__Host-sealmail"));
  EXPECT_FALSE(cookie_value("__Host-sealmail=a\\b", "__Host-sealmail"));
  EXPECT_FALSE(cookie_value(std::string(5000, 'a'), "__Host-sealmail"));
  EXPECT_FALSE(cookie_value("x__Host-sealmail=abc", "__Host-sealmail"));
}

TEST(WebSessions, ExpireWhenIdleAndAtTheirAbsoluteLimit) {
  auto now = std::chrono::steady_clock::time_point{};
  SessionTable table({std::chrono::seconds(60), std::chrono::seconds(300), 100}, [&] { return now; });
  auto [id, s] = table.create({Principal::Kind::account, 7, "owner"});
  EXPECT_EQ(id.size(), 64u);
  EXPECT_EQ(s.csrf.size(), 64u);
  EXPECT_NE(id, s.csrf);
  auto found = table.find(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->who.id, 7);
  EXPECT_EQ(found->csrf, s.csrf);
  for (int i = 0; i < 4; ++i) {  // kept alive by use...
    now += std::chrono::seconds(50);
    EXPECT_TRUE(table.find(id)) << i;
  }
  now += std::chrono::seconds(101);  // ...but not beyond the absolute limit
  EXPECT_FALSE(table.find(id));
  auto [id2, s2] = table.create({Principal::Kind::alias, 3, "a@b.example"});
  now += std::chrono::seconds(61);
  EXPECT_FALSE(table.find(id2));  // idle
  EXPECT_EQ(table.size(), 0u);
}

TEST(WebSessions, LogoutAndRemovalByPrincipal) {
  SessionTable table;
  auto [a, sa] = table.create({Principal::Kind::alias, 3, "a@b.example"});
  auto [b, sb] = table.create({Principal::Kind::alias, 3, "a@b.example"});
  auto [c, sc] = table.create({Principal::Kind::account, 3, "owner"});
  table.remove(a);
  EXPECT_FALSE(table.find(a));
  EXPECT_TRUE(table.find(b));
  table.remove_all(Principal::Kind::alias, 3);
  EXPECT_FALSE(table.find(b));
  EXPECT_TRUE(table.find(c));  // the account with the same id number is another principal
  EXPECT_FALSE(table.find("short"));
  EXPECT_FALSE(table.find(std::string(64, '0')));
}

TEST(WebSessions, TheOldestGoesWhenFull) {
  auto now = std::chrono::steady_clock::time_point{};
  SessionTable table({std::chrono::seconds(600), std::chrono::seconds(600), 2}, [&] { return now; });
  auto [a, sa] = table.create({Principal::Kind::account, 1, "a"});
  now += std::chrono::seconds(1);
  auto [b, sb] = table.create({Principal::Kind::account, 2, "b"});
  now += std::chrono::seconds(1);
  auto [c, sc] = table.create({Principal::Kind::account, 3, "c"});
  EXPECT_FALSE(table.find(a));
  EXPECT_TRUE(table.find(b));
  EXPECT_TRUE(table.find(c));
}

TEST(WebTokens, CompareWholly) {
  EXPECT_TRUE(same_token("abc", "abc"));
  EXPECT_FALSE(same_token("abc", "abd"));
  EXPECT_FALSE(same_token("abc", "abcd"));
  EXPECT_FALSE(same_token("", "a"));
}

TEST(WebHtml, EscapesAndEncodes) {
  EXPECT_EQ(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(url_encode("hello+x@example.com/ü"), "hello%2Bx%40example.com%2F%C3%BC");
  ASSERT_NE(find_asset("account.js"), nullptr);
  EXPECT_EQ(find_asset("../etc/passwd"), nullptr);
  Session s{{Principal::Kind::alias, 1, "<b>@x"}, std::string(64, 'a')};
  auto html = page("T<", "<p>body</p>", &s);
  EXPECT_NE(html.find("&lt;b&gt;@x"), std::string::npos);
  EXPECT_EQ(html.find("<b>@x"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);  // no inline script (the CSP forbids it)
}

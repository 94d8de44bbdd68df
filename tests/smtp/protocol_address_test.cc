// Address syntax (RFC 5321 §4.1.2, §4.1.3, §4.5.3.1; RFC 6531 §3.3): tables of mailboxes,
// domains and address literals, and the exact length limits.
#include <gtest/gtest.h>

#include <string>

#include "smtp/protocol/address.h"

namespace sealmail::smtp {
namespace {

struct Row {
  std::string text;
  bool valid;
  bool utf8 = false;
};

void check_table(const std::vector<Row>& rows, bool (*f)(std::string_view, bool)) {
  for (const auto& r : rows) EXPECT_EQ(f(r.text, r.utf8), r.valid) << r.text << (r.utf8 ? " (utf8)" : "");
}

TEST(Address, Mailboxes) {
  check_table(
      {
          {"alice@example.org", true},
          {"a@b", true},  // a single-label domain is syntax-valid
          {"alice.smith@example.org", true},
          {"alice+tag@example.org", true},
          {"!#$%&'*+-/=?^_`{|}~@example.org", true},  // every atext special
          {"\"john doe\"@example.org", true},
          {"\"\"@example.org", true},        // empty quoted-string: *QcontentSMTP
          {"\"a\\\"b\"@example.org", true},  // quoted-pair
          {"\"a\\\\\"@example.org", true},
          {"\"a@b\"@example.org", true},
          {"alice@[192.0.2.1]", true},
          {"alice@[IPv6:::1]", true},
          {"alice@xn--exmple-cua.org", true},  // an A-label is plain LDH
          {"ålice@example.org", false},
          {"ålice@example.org", true, true},
          {"alice@exämple.org", true, true},
          {"\"å b\"@example.org", true, true},
          {"\"å b\"@example.org", false},
          {"alice@exam\xff"
           "ple.org",
           false, true},
          {"", false},
          {"alice", false},
          {"@example.org", false},
          {"alice@", false},
          {".alice@example.org", false},
          {"alice.@example.org", false},
          {"al..ice@example.org", false},
          {"al ice@example.org", false},
          {"al(ice@example.org", false},
          {"al\\ice@example.org", false},
          {"alice@example.org.", false},
          {"alice@.example.org", false},
          {"alice@exa mple.org", false},
          {"alice@-example.org", false},
          {"alice@example-.org", false},
          {"alice@ex_ample.org", false},
          {"alice@[192.0.2.1", false},
          {"alice@[192.0.2.256]", false},
          {"alice@[example.org]", false},
          {"\"a\"b@example.org", false},
          {"\"a@example.org", false},
          {"\"a\\\"@example.org", false},
          {"\"a\"\"b\"@example.org", false},
          {"\"tab\there\"@example.org", false},
          {"alice@b@example.org", false},
      },
      valid_mailbox);
}

TEST(Address, Domains) {
  check_table(
      {
          {"example.org", true},
          {"EXAMPLE.ORG", true},
          {"a", true},
          {"a-b.c-d", true},
          {"a--b.example", true},
          {"123.example", true},
          {std::string(63, 'a') + ".example", true},
          {std::string(64, 'a') + ".example", false},
          {"", false},
          {".", false},
          {"a.", false},
          {".a", false},
          {"a..b", false},
          {"-a.example", false},
          {"a-.example", false},
          {"a_b.example", false},
          {"a b", false},
          {"bücher.example", false},
          {"bücher.example", true, true},
          {"-bücher.example", false, true},
          {"b\xfc"
           "cher.example",
           false, true},  // Latin-1, not UTF-8
      },
      valid_domain);
}

TEST(Address, DomainLengthLimit) {
  // RFC 5321 §4.5.3.1.2: 255 octets.
  std::string d;
  while (d.size() < 255) d += d.empty() ? "a" : ".a";
  ASSERT_EQ(d.size(), 255u);
  EXPECT_TRUE(valid_domain(d, false));
  EXPECT_FALSE(valid_domain(d + "a", false));
}

TEST(Address, Literals) {
  for (auto [text, valid] : std::vector<std::pair<std::string, bool>>{
           {"[192.0.2.1]", true},
           {"[0.0.0.0]", true},
           {"[255.255.255.255]", true},
           {"[001.002.003.004]", true},  // Snum = 1*3DIGIT
           {"[256.0.0.1]", false},
           {"[1.2.3]", false},
           {"[1.2.3.4.5]", false},
           {"[1.2.3.]", false},
           {"[1..3.4]", false},
           {"[1.2.3.0004]", false},
           {"[ 1.2.3.4]", false},
           {"1.2.3.4", false},
           {"[]", false},
           {"[IPv6:2001:db8::1]", true},
           {"[ipv6:2001:DB8::1]", true},
           {"[IPv6:::]", true},
           {"[IPv6:::1]", true},
           {"[IPv6:1::]", true},
           {"[IPv6:1:2:3:4:5:6:7:8]", true},
           {"[IPv6:1:2:3:4:5:6::]", true},     // 6 groups and "::"
           {"[IPv6:1:2:3:4:5:6:7::]", false},  // RFC 5321: "::" stands for two groups or more
           {"[IPv6:1:2:3:4:5:6:7]", false},
           {"[IPv6:1:2:3:4:5:6:7:8:9]", false},
           {"[IPv6:1::2::3]", false},
           {"[IPv6:12345::1]", false},
           {"[IPv6:g::1]", false},
           {"[IPv6::1]", false},
           {"[IPv6:1:]", false},
           {"[IPv6:::ffff:192.0.2.1]", true},       // IPv6v4-comp
           {"[IPv6:1:2:3:4:5:6:192.0.2.1]", true},  // IPv6v4-full
           {"[IPv6:1:2:3:4:5:192.0.2.1]", false},
           {"[IPv6:1:2:3:4::192.0.2.1]", true},
           {"[IPv6:1:2:3:4:5::192.0.2.1]", false},  // 5 + 2 > 6
           {"[IPv6:192.0.2.1::1]", false},
           {"[IPv6:::192.0.2.256]", false},
           {"[IPv6:2001:db8::1", false},
           {"[x-tag:anything]", false},  // General-address-literal: no registered tag
           {"[IPv4:1.2.3.4]", false},
       }) {
    EXPECT_EQ(valid_address_literal(text), valid) << text;
  }
}

TEST(Address, LocalPartLimit) {
  // RFC 5321 §4.5.3.1.1: 64 octets.
  EXPECT_TRUE(valid_mailbox(std::string(64, 'a') + "@example.org", false));
  EXPECT_FALSE(valid_mailbox(std::string(65, 'a') + "@example.org", false));
  EXPECT_TRUE(valid_mailbox("\"" + std::string(62, 'a') + "\"@example.org", false));
  EXPECT_FALSE(valid_mailbox("\"" + std::string(63, 'a') + "\"@example.org", false));
}

TEST(Address, PathLimit) {
  // RFC 5321 §4.5.3.1.3: 256 octets with the brackets.
  auto path_of = [](size_t last_label) {
    return "<" + std::string(64, 'l') + "@" + std::string(63, 'a') + "." + std::string(63, 'b') + "." +
           std::string(last_label, 'c') + ">";
  };
  std::string out;
  std::string ok = path_of(61);
  ASSERT_EQ(ok.size(), 256u);
  EXPECT_EQ(parse_path(ok, PathKind::forward, false, out), AddressStatus::ok) << ok;
  EXPECT_EQ(out, ok.substr(1, 254));
  std::string too_long = path_of(62);
  ASSERT_EQ(too_long.size(), 257u);
  EXPECT_EQ(parse_path(too_long, PathKind::forward, false, out), AddressStatus::path_too_long);
}

TEST(Address, PathForms) {
  std::string out = "unchanged";
  EXPECT_EQ(parse_path("<>", PathKind::reverse, false, out), AddressStatus::ok);
  EXPECT_EQ(out, "");
  EXPECT_EQ(parse_path("<>", PathKind::forward, false, out), AddressStatus::bad_syntax);
  EXPECT_EQ(parse_path("<PostMaster>", PathKind::forward, false, out), AddressStatus::ok);
  EXPECT_EQ(out, "PostMaster");
  EXPECT_EQ(parse_path("<PostMaster>", PathKind::reverse, false, out), AddressStatus::bad_syntax);
  EXPECT_EQ(parse_path("<@a.example,@b.example:x@c.example>", PathKind::forward, false, out), AddressStatus::ok);
  EXPECT_EQ(out, "x@c.example");
  EXPECT_EQ(parse_path("<@a.example,b.example:x@c.example>", PathKind::forward, false, out), AddressStatus::bad_syntax);
  EXPECT_EQ(parse_path("<@a.example,:x@c.example>", PathKind::forward, false, out), AddressStatus::bad_syntax);
  EXPECT_EQ(parse_path("<@[1.2.3.4]:x@c.example>", PathKind::forward, false, out), AddressStatus::bad_syntax);
  EXPECT_EQ(parse_path("<x@c.example", PathKind::forward, false, out), AddressStatus::bad_syntax);
  EXPECT_EQ(parse_path("<ü@c.example>", PathKind::forward, false, out), AddressStatus::non_ascii);
  EXPECT_EQ(parse_path("<ü@c.example>", PathKind::forward, true, out), AddressStatus::ok);
}

TEST(Address, PathEnd) {
  EXPECT_EQ(path_end("<a@b> SIZE=1"), 5u);
  EXPECT_EQ(path_end("<\"a>b\"@c> x"), 9u);
  EXPECT_EQ(path_end("<\"a\\\">b\"@c>"), 11u);
  EXPECT_EQ(path_end("<a@b"), std::string_view::npos);
  EXPECT_EQ(path_end("a@b>"), std::string_view::npos);
  EXPECT_EQ(path_end(""), std::string_view::npos);
  EXPECT_EQ(path_end("<\"a>"), std::string_view::npos);
}

TEST(Address, HeloDomains) {
  for (auto [text, valid] : std::vector<std::pair<std::string, bool>>{
           {"mx.example.org", true},
           {"localhost", true},
           {"my_host.lan", true},
           {"_dmarc.example", true},
           {"[192.0.2.1]", true},
           {"[IPv6:::1]", true},
           {"192.0.2.1", true},
           {"", false},
           {"[192.0.2.1", false},
           {"mx.example.org.", false},
           {"mx..example", false},
           {"-mx.example", false},
           {"müller.example", false},
           {"a/b", false},
       }) {
    EXPECT_EQ(valid_helo_domain(text), valid) << text;
  }
}

}  // namespace
}  // namespace sealmail::smtp

// The screening's pure parts (issue 9) as tables: DNSBL query names (IPv4, IPv6 nibbles, mapped
// addresses), answer ranges and which answers count (Spamhaus's error codes do not), zone names;
// rspamd's /checkv2 answers and the action each maps to; the [dnsbl], [greylist] and [rspamd]
// tables; the greylist's rules over a real SQLite file with times given (no clock), and that the
// file holds no address. End to end with NSD, the MX and a real rspamd: tests/server/test_screening.py.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "delivery/screening/dnsbl_zone.h"
#include "delivery/screening/greylist.h"
#include "delivery/screening/rspamd_reply.h"
#include "delivery/screening/screener.h"
#include "delivery/screening/screening_config.h"

namespace sealmail::delivery::screening {
namespace {

TEST(Dnsbl, QueryNames) {
  // RFC 5782 §2.1 and §2.4.
  EXPECT_EQ(dnsbl_query_name("192.0.2.99", "zen.example"), "99.2.0.192.zen.example");
  EXPECT_EQ(dnsbl_query_name("127.0.0.2", "bl.test"), "2.0.0.127.bl.test");
  EXPECT_EQ(dnsbl_query_name("::ffff:192.0.2.1", "bl.test"), "1.2.0.192.bl.test");
  EXPECT_EQ(dnsbl_query_name("2001:db8:1:2:3:4:567:89ab", "bl.test"),
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test");
  EXPECT_EQ(dnsbl_query_name("[192.0.2.1]", "bl.test"), "1.2.0.192.bl.test");
  EXPECT_FALSE(dnsbl_query_name("", "bl.test"));
  EXPECT_FALSE(dnsbl_query_name("not-an-ip", "bl.test"));
  EXPECT_FALSE(dnsbl_query_name("192.0.2", "bl.test"));
  EXPECT_FALSE(dnsbl_query_name("1.2.3.4.5", "bl.test"));
}

TEST(Dnsbl, DefaultAnswersLeaveOutErrorCodes) {
  DnsblZone zone{"zen.example", DnsblAction::refuse, {}};
  EXPECT_TRUE(listed_by(zone, {"127.0.0.2"}));
  EXPECT_TRUE(listed_by(zone, {"127.0.0.11"}));
  EXPECT_TRUE(listed_by(zone, {"127.0.0.255"}));
  EXPECT_FALSE(listed_by(zone, {"127.0.0.1"}));
  // Spamhaus: typing error, public resolver, too many queries.
  EXPECT_FALSE(listed_by(zone, {"127.255.255.252"}));
  EXPECT_FALSE(listed_by(zone, {"127.255.255.254"}));
  EXPECT_FALSE(listed_by(zone, {"127.255.255.255"}));
  EXPECT_FALSE(listed_by(zone, {}));
  EXPECT_FALSE(listed_by(zone, {"garbage"}));
  EXPECT_TRUE(listed_by(zone, {"127.255.255.254", "127.0.0.4"}));
}

TEST(Dnsbl, ConfiguredAnswers) {
  auto one = parse_answer_range("127.0.0.4");
  ASSERT_TRUE(one);
  DnsblZone zone{"bl.test", DnsblAction::junk, {*one}};
  EXPECT_TRUE(listed_by(zone, {"127.0.0.4"}));
  EXPECT_FALSE(listed_by(zone, {"127.0.0.2"}));
  auto range = parse_answer_range("127.0.0.2-127.0.0.11");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->low, 0x7f000002u);
  EXPECT_EQ(range->high, 0x7f00000bu);
  EXPECT_FALSE(parse_answer_range("127.0.0.11-127.0.0.2"));
  EXPECT_FALSE(parse_answer_range("127.0.0"));
  EXPECT_FALSE(parse_answer_range("127.0.0.2-"));
  EXPECT_FALSE(parse_answer_range(""));
}

TEST(Dnsbl, ZoneNames) {
  EXPECT_EQ(*check_zone_name("Zen.Spamhaus.ORG."), "zen.spamhaus.org");
  EXPECT_FALSE(check_zone_name(""));
  EXPECT_FALSE(check_zone_name("a..b"));
  EXPECT_FALSE(check_zone_name(".a"));
  EXPECT_FALSE(check_zone_name("a b"));
  std::string long_label(64, 'a');
  long_label += ".test";
  EXPECT_FALSE(check_zone_name(long_label));
  EXPECT_FALSE(check_zone_name(std::string(201, 'a')));
}

TEST(Dnsbl, ReasonFromTxt) {
  EXPECT_EQ(dnsbl_reason({}), "");
  EXPECT_EQ(dnsbl_reason({"https://www.spamhaus.org/query/ip/127.0.0.2", "second"}),
            "https://www.spamhaus.org/query/ip/127.0.0.2");
  EXPECT_EQ(dnsbl_reason({"a\r\nb;c\x01  "}), "a  b c");
  EXPECT_EQ(dnsbl_reason({std::string(500, 'x')}).size(), 200u);
}

TEST(Rspamd, Actions) {
  struct Case {
    const char* action;
    RspamdAction expected;
  } cases[] = {{"no action", RspamdAction::deliver},    {"add header", RspamdAction::junk},
               {"rewrite subject", RspamdAction::junk}, {"greylist", RspamdAction::defer},
               {"soft reject", RspamdAction::defer},    {"reject", RspamdAction::refuse}};
  for (const auto& c : cases) {
    auto v = parse_rspamd_reply(std::string("{\"action\":\"") + c.action + "\",\"score\":3.5,\"required_score\":15}");
    ASSERT_TRUE(v) << c.action;
    EXPECT_EQ(v->action, c.expected) << c.action;
  }
}

TEST(Rspamd, ScoreAndSymbolNames) {
  // As rspamd 3.4 answers the GTUBE test pattern.
  auto v = parse_rspamd_reply(
      R"({"is_skipped":true,"score":15.0,"required_score":15.0,"action":"reject","symbols":{"GTUBE":{"name":"GTUBE","score":0.0,"metric_score":0.0},"R_SPF_FAIL":{"score":1}},"messages":{"smtp_message":"Gtube pattern"}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->action, RspamdAction::refuse);
  EXPECT_EQ(v->symbols, (std::vector<std::string>{"GTUBE", "R_SPF_FAIL"}));
  EXPECT_EQ(describe(*v), "reject (score 15.00/15.00; symbols GTUBE,R_SPF_FAIL)");
  // rspamd 3.4 without an actions section answers "required_score": null.
  auto unset = parse_rspamd_reply(
      R"({"is_skipped":false,"score":0.0,"required_score":null,"action":"no action","symbols":{},"messages":{}})");
  ASSERT_TRUE(unset);
  EXPECT_EQ(describe(*unset), "no action (score 0.00/0.00)");
  auto plain = parse_rspamd_reply(R"({"action":"no action","score":0.0,"required_score":15.0,"symbols":{}})");
  ASSERT_TRUE(plain);
  EXPECT_EQ(describe(*plain), "no action (score 0.00/15.00)");
}

TEST(Rspamd, BadAnswers) {
  EXPECT_FALSE(parse_rspamd_reply(""));
  EXPECT_FALSE(parse_rspamd_reply("[]"));
  EXPECT_FALSE(parse_rspamd_reply("{}"));
  EXPECT_FALSE(parse_rspamd_reply(R"({"action":"drop it"})"));
  EXPECT_FALSE(parse_rspamd_reply(R"({"action":5})"));
  EXPECT_FALSE(parse_rspamd_reply(R"({"action":"reject","score":"high"})"));
  EXPECT_FALSE(parse_rspamd_reply(R"({"action":"reject","symbols":[]})"));
  EXPECT_FALSE(parse_rspamd_reply(R"({"action":"reject")"));
  // Symbol names that could break the header line are left out; at most 32 are kept.
  auto v = parse_rspamd_reply(R"({"action":"add header","symbols":{"A;B":{},"C\r\nD":{},"OK":{}}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->symbols, (std::vector<std::string>{"OK"}));
  std::string many = R"({"action":"add header","symbols":{)";
  for (int i = 0; i < 100; ++i) {
    if (i) many += ',';
    many += "\"S";
    many += std::to_string(i);
    many += "\":{}";
  }
  many += "}}";
  auto lots = parse_rspamd_reply(many);
  ASSERT_TRUE(lots);
  EXPECT_EQ(lots->symbols.size(), 32u);
}

TEST(ScreeningConfig, Tables) {
  auto c = parse_screening_config(R"(
[dnsbl]
zones = ["Zen.Example", { name = "junk.example", action = "junk", answers = ["127.0.0.4", "127.0.0.10-127.0.0.11"] }]
check_private_clients = true
[greylist]
enabled = true
delay_seconds = 60
clock_file = "/tmp/clock"
[rspamd]
url = "http://127.0.0.1:11333/"
timeout_ms = 2000
unavailable = "accept"
)");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->dnsbl.zones.size(), 2u);
  EXPECT_EQ(c->dnsbl.zones[0].name, "zen.example");
  EXPECT_EQ(c->dnsbl.zones[0].action, DnsblAction::refuse);
  EXPECT_EQ(c->dnsbl.zones[1].action, DnsblAction::junk);
  EXPECT_EQ(c->dnsbl.zones[1].answers.size(), 2u);
  EXPECT_TRUE(c->dnsbl.check_private_clients);
  EXPECT_TRUE(c->greylist.enabled);
  EXPECT_EQ(c->greylist.delay_seconds, 60u);
  EXPECT_EQ(c->greylist.max_age_days, 35u);
  EXPECT_EQ(c->rspamd.url, "http://127.0.0.1:11333");
  EXPECT_FALSE(c->rspamd.defer_when_unavailable);
  auto none = parse_screening_config("");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->any());
  EXPECT_FALSE(none->greylist.enabled);
}

TEST(ScreeningConfig, BadKeysAreNamed) {
  struct Case {
    const char* text;
    const char* names;
  } cases[] = {
      {"[dnsbl]\nzone = []\n", "dnsbl.zone"},
      {"[dnsbl]\nzones = [\"a b\"]\n", "dnsbl.zones"},
      {"[dnsbl]\nzones = [{ name = \"x.test\", action = \"drop\" }]\n", "dnsbl.zones.action"},
      {"[dnsbl]\nzones = [{ name = \"x.test\", answers = [\"1.2.3\"] }]\n", "dnsbl.zones.answers"},
      {"[dnsbl]\nzones = [{ action = \"junk\" }]\n", "dnsbl.zones"},
      {"[greylist]\ndelay_seconds = -1\n", "greylist.delay_seconds"},
      {"[greylist]\nenabled = \"yes\"\n", "greylist.enabled"},
      {"[rspamd]\nurl = \"ftp://x\"\n", "rspamd.url"},
      {"[rspamd]\nunavailable = \"maybe\"\n", "rspamd.unavailable"},
      {"rspamd = 1\n", "rspamd"},
  };
  for (const auto& c : cases) {
    auto r = parse_screening_config(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_NE(r.error().message.find(c.names), std::string::npos) << r.error().message;
  }
}

TEST(ScreenSwitches, DomainThenAlias) {
  auto s = screen_switches({{"dnsbl", "off"}, {"greylist", "off"}}, {{"greylist", "on"}, {"rspamd", "bogus"}});
  EXPECT_FALSE(s.dnsbl);
  EXPECT_TRUE(s.greylist);
  EXPECT_TRUE(s.rspamd);
}

TEST(ScanHeader, FieldsAreAppended) {
  EXPECT_EQ(merge_scan_header("", ""), "");
  EXPECT_EQ(merge_scan_header("", "dnsbl=none"), "X-Sealmail-Scan: dnsbl=none\r\n");
  EXPECT_EQ(merge_scan_header("X-Sealmail-Scan: virus=clean\r\n", "dnsbl=bl.test"),
            "X-Sealmail-Scan: virus=clean; dnsbl=bl.test\r\n");
  EXPECT_EQ(merge_scan_header("X-Sealmail-Scan: virus=clean\r\n", ""), "X-Sealmail-Scan: virus=clean\r\n");
}

class GreylistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("greylist-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Greylist> open() {
    auto g = Greylist::open(dir_ / "greylist.sqlite", "0123456789abcdef0123456789abcdef");
    EXPECT_TRUE(g);
    return std::move(*g);
  }
  std::filesystem::path dir_;
  GreylistTimes times_{300, 2 * 86400, 35 * 86400};
};

TEST_F(GreylistTest, FirstWaitsRetryAfterDelayPasses) {
  auto g = open();
  const int64_t t0 = 1'800'000'000;
  auto a = g->check("192.0.2.10", "a@example.org", "b@example.com", t0, times_);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->verdict, GreylistVerdict::wait);
  EXPECT_EQ(a->retry_in, 300);
  auto early = g->check("192.0.2.10", "a@example.org", "b@example.com", t0 + 100, times_);
  EXPECT_EQ(early->verdict, GreylistVerdict::wait);
  EXPECT_EQ(early->retry_in, 200);
  // Another host of the same /24, the addresses in another case: the same triplet.
  auto later = g->check("192.0.2.77", "A@Example.org", "b@EXAMPLE.com", t0 + 300, times_);
  EXPECT_EQ(later->verdict, GreylistVerdict::pass);
  // Remembered: a message a week later passes at once.
  EXPECT_EQ(g->check("192.0.2.10", "a@example.org", "b@example.com", t0 + 7 * 86400, times_)->verdict,
            GreylistVerdict::pass);
  // Another recipient, sender or network is a new triplet.
  EXPECT_EQ(g->check("192.0.2.10", "a@example.org", "c@example.com", t0 + 400, times_)->verdict, GreylistVerdict::wait);
  EXPECT_EQ(g->check("192.0.2.10", "x@example.org", "b@example.com", t0 + 400, times_)->verdict, GreylistVerdict::wait);
  EXPECT_EQ(g->check("198.51.100.10", "a@example.org", "b@example.com", t0 + 400, times_)->verdict,
            GreylistVerdict::wait);
}

TEST_F(GreylistTest, LateFirstRetryAndOldTripletsStartOver) {
  auto g = open();
  const int64_t t0 = 1'800'000'000;
  EXPECT_EQ(g->check("2001:db8::1", "", "b@example.com", t0, times_)->verdict, GreylistVerdict::wait);
  // Past the retry window: starts over.
  EXPECT_EQ(g->check("2001:db8::2", "", "b@example.com", t0 + 3 * 86400, times_)->verdict, GreylistVerdict::wait);
  EXPECT_EQ(g->check("2001:db8::ffff:1", "", "b@example.com", t0 + 3 * 86400 + 300, times_)->verdict,
            GreylistVerdict::pass);
  // Unseen for more than max_age: forgotten.
  EXPECT_EQ(g->check("2001:db8::1", "", "b@example.com", t0 + 40 * 86400, times_)->verdict, GreylistVerdict::wait);
}

TEST_F(GreylistTest, DurableAndHoldsNoAddress) {
  const int64_t t0 = 1'800'000'000;
  {
    auto g = open();
    EXPECT_EQ(g->check("192.0.2.10", "secret-sender@example.org", "secret-rcpt@example.com", t0, times_)->verdict,
              GreylistVerdict::wait);
  }
  auto g = open();  // after a "restart"
  EXPECT_EQ(g->check("192.0.2.10", "secret-sender@example.org", "secret-rcpt@example.com", t0 + 301, times_)->verdict,
            GreylistVerdict::pass);
  EXPECT_EQ(g->size(), 1u);
  g.reset();
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    EXPECT_EQ(all.str().find("secret-"), std::string::npos) << entry.path();
    EXPECT_EQ(all.str().find("192.0.2"), std::string::npos) << entry.path();
  }
  // Another secret, other hashes: the triplet is new.
  auto other = Greylist::open(dir_ / "greylist.sqlite", "fedcba9876543210fedcba9876543210");
  ASSERT_TRUE(other);
  EXPECT_EQ(
      (*other)->check("192.0.2.10", "secret-sender@example.org", "secret-rcpt@example.com", t0 + 400, times_)->verdict,
      GreylistVerdict::wait);
}

TEST(GreylistNetwork, Prefixes) {
  EXPECT_EQ(Greylist::network_of("192.0.2.77"), "192.0.2.0/24");
  EXPECT_EQ(Greylist::network_of("::ffff:192.0.2.77"), "192.0.2.0/24");
  EXPECT_EQ(Greylist::network_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(Greylist::network_of("nope"), "");
}

}  // namespace
}  // namespace sealmail::delivery::screening

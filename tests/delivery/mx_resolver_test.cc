// The MX resolver (RFC 5321 §5.1, RFC 7505) against a real DNS server (NSD) on a loopback port.
#include "delivery/mx_resolver.h"

#include <gtest/gtest.h>

#include <set>

#include "support/dns_server.h"

namespace sealmail::delivery {
namespace {

using sealmail::testing::DnsServer;
using sealmail::testing::run_coroutine;

const char* kZone = R"($ORIGIN example.test.
$TTL 300
@        IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 300
@        IN NS  ns.example.test.
ns       IN A   127.0.0.1
multi    IN MX  20 last.example.test.
multi    IN MX  10 a.example.test.
multi    IN MX  10 b.example.test.
multi    IN MX  5  first.example.test.
first    IN A   127.0.0.11
a        IN A   127.0.0.12
b        IN A   127.0.0.13
b        IN AAAA ::1
last     IN A   127.0.0.14
implicit IN A   127.0.0.20
implicit IN AAAA ::2
nullmx   IN MX  0 .
dead     IN MX  10 missing.example.test.
halfdead IN MX  10 missing.example.test.
halfdead IN MX  20 a.example.test.
brokenmx IN MX  10 host.broken.test.
txtonly  IN TXT "no mail here"
cname    IN MX  10 alias.example.test.
alias    IN CNAME first.example.test.
)";

class MxResolverTest : public ::testing::Test {
 protected:
  // A failure here must fail each test: gtest reports an exception from SetUpTestSuite as
  // "[  SKIPPED ]", which ctest counts as a skip, not a failure.
  static void SetUpTestSuite() {
    try {
      dns_ = new DnsServer({{"example.test", kZone}, {"broken.test", ""}});
    } catch (const std::exception& e) {
      dns_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete dns_;
    dns_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(dns_, nullptr) << dns_error_; }
  static MxResult resolve(const std::string& domain) {
    MxResolver resolver(MxResolverOptions{.servers = {dns_->address()}, .timeout = std::chrono::milliseconds(500)});
    return run_coroutine(resolver.resolve(domain));
  }
  static std::vector<std::string> names(const MxResult& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hosts) out.push_back(h.name);
    return out;
  }
  static DnsServer* dns_;
  static std::string dns_error_;
};
DnsServer* MxResolverTest::dns_ = nullptr;
std::string MxResolverTest::dns_error_;

TEST_F(MxResolverTest, SortedByPreferenceShuffledWithinEqualOnes) {
  std::set<std::vector<std::string>> orders;
  for (int i = 0; i < 64; ++i) {
    auto r = resolve("Multi.Example.Test.");
    ASSERT_TRUE(r.ok()) << r.reason;
    EXPECT_FALSE(r.implicit);
    auto n = names(r);
    ASSERT_EQ(n.size(), 4u);
    EXPECT_EQ(n.front(), "first.example.test");
    EXPECT_EQ(n.back(), "last.example.test");
    EXPECT_EQ(r.hosts[1].preference, 10);
    orders.insert(n);
  }
  // a and b share preference 10: both orders appear (the chance of one order 64 times is 2^-63).
  EXPECT_EQ(orders.size(), 2u);
}

// The answer's lifetime for the queue's cache (answer_cache.h): the least TTL of its address
// records (the zone's $TTL here); a failure has none.
TEST_F(MxResolverTest, TtlIsTheLeastOfTheAddressRecords) {
  auto r = resolve("multi.example.test");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.ttl, 300u);
  EXPECT_EQ(resolve("nullmx.example.test").ttl, 0u);
}

TEST_F(MxResolverTest, AddressesIpv4First) {
  auto r = resolve("multi.example.test");
  ASSERT_TRUE(r.ok());
  for (const auto& h : r.hosts) {
    if (h.name != "b.example.test") continue;
    ASSERT_EQ(h.addresses.size(), 2u);
    EXPECT_EQ(h.addresses[0].to_string(), "127.0.0.13");
    EXPECT_EQ(h.addresses[1].to_string(), "::1");
  }
  EXPECT_EQ(r.hosts.front().addresses.at(0).to_string(), "127.0.0.11");
}

TEST_F(MxResolverTest, NoMxMeansTheDomainItself) {
  auto r = resolve("implicit.example.test");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_TRUE(r.implicit);
  ASSERT_EQ(r.hosts.size(), 1u);
  EXPECT_EQ(r.hosts[0].name, "implicit.example.test");
  ASSERT_EQ(r.hosts[0].addresses.size(), 2u);
  EXPECT_EQ(r.hosts[0].addresses[0].to_string(), "127.0.0.20");
  EXPECT_EQ(r.hosts[0].addresses[1].to_string(), "::2");
}

TEST_F(MxResolverTest, NullMxIsPermanent) {
  auto r = resolve("nullmx.example.test");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, DnsFailure::permanent);
  EXPECT_NE(r.reason.find("null MX"), std::string::npos);
}

TEST_F(MxResolverTest, NxdomainIsPermanent) {
  auto r = resolve("nowhere.example.test");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, DnsFailure::permanent);
}

TEST_F(MxResolverTest, NoMxAndNoAddressIsPermanent) {
  auto r = resolve("txtonly.example.test");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, DnsFailure::permanent);
  auto dead = resolve("dead.example.test");  // its only MX host does not exist
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.failure, DnsFailure::permanent);
}

TEST_F(MxResolverTest, HostsWithoutAddressesAreSkipped) {
  auto r = resolve("halfdead.example.test");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(names(r), std::vector<std::string>{"a.example.test"});
}

TEST_F(MxResolverTest, CnameTargetsAreFollowed) {
  auto r = resolve("cname.example.test");
  ASSERT_TRUE(r.ok()) << r.reason;
  ASSERT_EQ(r.hosts.size(), 1u);
  EXPECT_EQ(r.hosts[0].addresses.at(0).to_string(), "127.0.0.11");
}

TEST_F(MxResolverTest, ServfailIsTemporary) {
  auto r = resolve("broken.test");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, DnsFailure::temporary);
  // An MX host whose lookup fails with SERVFAIL: temporary too, not "no address".
  auto host = resolve("brokenmx.example.test");
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.failure, DnsFailure::temporary);
}

TEST_F(MxResolverTest, RefusedIsTemporary) {
  auto r = resolve("not-served.org");  // NSD refuses zones it does not have
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, DnsFailure::temporary);
}

TEST(MxResolverTimeout, SilentServerIsTemporary) {
  // A UDP socket that never answers.
  boost::asio::io_context io;
  boost::asio::ip::udp::socket silent(io,
                                      boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  std::string server = "127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  MxResolver resolver(MxResolverOptions{.servers = {server}, .timeout = std::chrono::milliseconds(200), .tries = 2});
  auto started = std::chrono::steady_clock::now();
  auto r = run_coroutine(resolver.resolve("example.test"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, DnsFailure::temporary);
}

TEST(MxResolverLiteral, AddressLiteralNeedsNoDns) {
  MxResolver resolver(MxResolverOptions{.servers = {"127.0.0.1:1"}});
  auto r = run_coroutine(resolver.resolve("[192.0.2.7]"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.hosts.at(0).addresses.at(0).to_string(), "192.0.2.7");
  auto v6 = run_coroutine(resolver.resolve("[IPv6:2001:db8::7]"));
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6.hosts.at(0).addresses.at(0).to_string(), "2001:db8::7");
}

TEST_F(MxResolverTest, ManyLookupsAtOnce) {
  // Concurrent resolutions on a multi-threaded io_context: each has its own channel and strand.
  boost::asio::io_context io;
  MxResolver resolver(MxResolverOptions{.servers = {dns_->address()}});
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i)
    boost::asio::co_spawn(io, resolver.resolve(i % 2 ? "multi.example.test" : "implicit.example.test"),
                          [&](std::exception_ptr e, MxResult r) {
                            if (!e && r.ok()) ++ok;
                          });
  std::thread other([&] { io.run(); });
  io.run();
  other.join();
  EXPECT_EQ(ok.load(), 20);
}

}  // namespace
}  // namespace sealmail::delivery

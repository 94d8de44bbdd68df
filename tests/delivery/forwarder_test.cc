// The forwarder against a real SMTP server (aiosmtpd) and a real DNS server (NSD) on loopback:
// grouping by domain, MX fallback, outcome wording, the no-duplicate memory, and logs without
// addresses.
#include "delivery/forwarder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "support/dns_server.h"

namespace sealmail::delivery {
namespace {

using sealmail::testing::DnsServer;
using sealmail::testing::run_coroutine;
using sealmail::testing::SmtpSink;
using Kind = ForwardOutcome::Kind;

const std::string kMessage = "From: a@origin.test\r\nSubject: fwd\r\n\r\n.dot line\r\nbody\r\n";
const std::string kFrom = "SRS0=abcd=AB=origin.test=a@fwd.example";

ForwardOptions relay_to(uint16_t port) {
  ForwardOptions o;
  o.helo_name = "fwd.example";
  o.relay = "127.0.0.1:" + std::to_string(port);
  o.timeouts = ForwardTimeouts{std::chrono::seconds(5), std::chrono::seconds(5), std::chrono::seconds(10),
                               std::chrono::milliseconds(500)};
  return o;
}

ForwardOutcome forward(Forwarder& f, std::vector<std::string> targets, const std::string& message = kMessage) {
  return run_coroutine(f.forward(kFrom, std::move(targets), std::make_shared<const std::string>(message)));
}

class ForwarderTest : public ::testing::Test {
 protected:
  net::Runtime runtime_{1, 1};
};

TEST_F(ForwarderTest, OneSessionToTheRelayByteExact) {
  SmtpSink sink;
  Forwarder f(runtime_, relay_to(sink.port()));
  auto out = forward(f, {"ok1@a.test", "ok2@b.test", "OK3@A.test", "ok1@a.test"});
  EXPECT_EQ(out.kind, Kind::delivered);
  EXPECT_EQ(out.reply, "250 2.0.0 forwarded");
  ASSERT_EQ(sink.count(), 1u);  // one destination, one session, each target once
  auto meta = sink.meta(1);
  EXPECT_NE(meta.find("[\"ok1@a.test\", \"ok2@b.test\", \"OK3@A.test\"]"), std::string::npos) << meta;
  EXPECT_NE(meta.find(kFrom), std::string::npos);  // the sender as given (SRS is the caller's)
  EXPECT_NE(meta.find("\"helo\": \"fwd.example\""), std::string::npos) << meta;
  EXPECT_EQ(sink.message(1), kMessage);
}

TEST_F(ForwarderTest, RetryAfterTemporaryFailureDoesNotDuplicate) {
  SmtpSink sink;
  Forwarder f(runtime_, relay_to(sink.port()));
  auto first = forward(f, {"ok@a.test", "temp@b.test"});
  EXPECT_EQ(first.kind, Kind::temporary);
  EXPECT_EQ(first.reply, "451 4.2.1 forward target temporarily unreachable");
  EXPECT_EQ(sink.count(), 1u);
  EXPECT_EQ(f.remembered(), 1u);
  // Our sender retries the same message: a.test already has it and is not contacted again.
  auto second = forward(f, {"ok@a.test", "temp@b.test"});
  EXPECT_EQ(second.kind, Kind::temporary);
  EXPECT_EQ(sink.count(), 1u);
  // When only remembered targets are left, the retry succeeds without sending anything.
  auto third = forward(f, {"ok@a.test"});
  EXPECT_EQ(third.kind, Kind::delivered);
  EXPECT_EQ(sink.count(), 1u);
  // Another message to the same target is another fingerprint.
  auto other = forward(f, {"ok@a.test"}, kMessage + "more\r\n");
  EXPECT_EQ(other.kind, Kind::delivered);
  EXPECT_EQ(sink.count(), 2u);
}

TEST_F(ForwarderTest, MemoryIsTimeBound) {
  SmtpSink sink;
  auto options = relay_to(sink.port());
  options.remember_for = std::chrono::seconds(0);
  Forwarder f(runtime_, options);
  EXPECT_EQ(forward(f, {"ok@a.test"}).kind, Kind::delivered);
  EXPECT_EQ(forward(f, {"ok@a.test"}).kind, Kind::delivered);
  EXPECT_EQ(sink.count(), 2u);  // nothing remembered past remember_for
}

TEST_F(ForwarderTest, AllPermanentIsPermanentWithoutAddresses) {
  SmtpSink sink;
  Forwarder f(runtime_, relay_to(sink.port()));
  auto out = forward(f, {"perm@a.test"});
  EXPECT_EQ(out.kind, Kind::permanent);
  EXPECT_EQ(out.reply, "550 5.1.1 forward target rejected the message");
  EXPECT_EQ(out.reply.find('@'), std::string::npos);  // the remote text named the address
  auto data = forward(f, {"dataperm@a.test"});
  EXPECT_EQ(data.kind, Kind::permanent);
  EXPECT_EQ(data.reply, "554 5.6.0 forward target rejected the message");
  EXPECT_EQ(sink.count(), 0u);
}

TEST_F(ForwarderTest, SomeDeliveredSomeRefusedIsPermanent) {
  SmtpSink sink;
  Forwarder f(runtime_, relay_to(sink.port()));
  auto out = forward(f, {"ok@a.test", "perm@b.test"});
  EXPECT_EQ(out.kind, Kind::permanent);
  EXPECT_EQ(out.reply, "550 5.1.1 some forward targets rejected the message");
  EXPECT_EQ(sink.count(), 1u);
  EXPECT_EQ(f.remembered(), 1u);
}

TEST_F(ForwarderTest, TemporaryWinsOverPermanent) {
  SmtpSink sink;
  Forwarder f(runtime_, relay_to(sink.port()));
  auto out = forward(f, {"perm@a.test", "datatemp@b.test"});
  EXPECT_EQ(out.kind, Kind::temporary);
  EXPECT_EQ(out.reply, "451 4.3.0 forward target temporarily unreachable");
}

TEST_F(ForwarderTest, UnreachableRelayIsTemporary) {
  Forwarder f(runtime_, relay_to(static_cast<uint16_t>(sealmail::testing::free_port())));
  auto out = forward(f, {"ok@a.test"});
  EXPECT_EQ(out.kind, Kind::temporary);
  EXPECT_EQ(out.reply, "451 4.4.1 forward target temporarily unreachable");
}

TEST_F(ForwarderTest, NoTargetsIsDelivered) {
  Forwarder f(runtime_, relay_to(1));
  EXPECT_EQ(forward(f, {}).kind, Kind::delivered);
}

TEST_F(ForwarderTest, LogsHoldNoAddresses) {
  SmtpSink sink;
  Forwarder f(runtime_, relay_to(sink.port()));
  sealmail::testing::TempDir dir;
  auto path = dir.path() / "stderr";
  std::fflush(stderr);
  int saved = dup(2);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, 2);
  ::close(fd);
  forward(f, {"ok@secret-domain.test", "perm@other-secret.test", "temp@third-secret.test"});
  std::fflush(stderr);
  dup2(saved, 2);
  ::close(saved);
  auto logged = sealmail::testing::read_file(path);
  EXPECT_NE(logged.find("event=forward"), std::string::npos) << logged;  // something was logged
  EXPECT_EQ(logged.find('@'), std::string::npos) << logged;
  EXPECT_EQ(logged.find("secret"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("dot line"), std::string::npos) << logged;
}

const char* kZone = R"($ORIGIN fwd.test.
$TTL 300
@          IN SOA ns.fwd.test. admin.fwd.test. 1 3600 600 86400 300
@          IN NS  ns.fwd.test.
ns         IN A   127.0.0.1
good       IN MX  10 mail.fwd.test.
mail       IN A   127.0.0.1
fallback   IN MX  10 down.fwd.test.
fallback   IN MX  20 mail.fwd.test.
down       IN A   127.0.0.2
nullmx     IN MX  0 .
implicit   IN A   127.0.0.1
broken     IN MX  10 x.broken.test.
)";

class ForwarderMxTest : public ForwarderTest {
 protected:
  // A failure here must fail each test: gtest reports an exception from SetUpTestSuite as
  // "[  SKIPPED ]", which ctest counts as a skip, not a failure.
  static void SetUpTestSuite() {
    try {
      dns_ = new DnsServer({{"fwd.test", kZone}, {"broken.test", ""}});
    } catch (const std::exception& e) {
      dns_error_ = e.what();
    }
  }
  void SetUp() override { ASSERT_NE(dns_, nullptr) << dns_error_; }
  static void TearDownTestSuite() {
    delete dns_;
    dns_ = nullptr;
  }
  ForwardOptions mx_options(uint16_t port, bool allow_private = true) {
    auto o = relay_to(port);
    o.relay.reset();
    o.dns_servers = {dns_->address()};
    o.port = port;
    o.allow_private_addresses = allow_private;
    return o;
  }
  static DnsServer* dns_;
  static std::string dns_error_;
};
DnsServer* ForwarderMxTest::dns_ = nullptr;
std::string ForwarderMxTest::dns_error_;

TEST_F(ForwarderMxTest, DeliversToTheMx) {
  SmtpSink sink;
  Forwarder f(runtime_, mx_options(sink.port()));
  auto out = forward(f, {"user@good.fwd.test", "other@implicit.fwd.test", "second@good.fwd.test"});
  EXPECT_EQ(out.kind, Kind::delivered) << out.reply;
  ASSERT_EQ(sink.count(), 2u);  // one session per domain
  std::string metas = sink.meta(1) + sink.meta(2);
  EXPECT_NE(metas.find("[\"user@good.fwd.test\", \"second@good.fwd.test\"]"), std::string::npos) << metas;
  EXPECT_NE(metas.find("[\"other@implicit.fwd.test\"]"), std::string::npos) << metas;
  EXPECT_EQ(sink.message(1), kMessage);
  EXPECT_EQ(sink.message(2), kMessage);
}

TEST_F(ForwarderMxTest, FallsBackToTheNextMx) {
  SmtpSink sink;  // listens on 127.0.0.1 only: the first MX (127.0.0.2) refuses
  Forwarder f(runtime_, mx_options(sink.port()));
  auto out = forward(f, {"user@fallback.fwd.test"});
  EXPECT_EQ(out.kind, Kind::delivered) << out.reply;
  EXPECT_EQ(sink.count(), 1u);
}

TEST_F(ForwarderMxTest, NullMxIsPermanent) {
  SmtpSink sink;
  Forwarder f(runtime_, mx_options(sink.port()));
  auto out = forward(f, {"user@nullmx.fwd.test"});
  EXPECT_EQ(out.kind, Kind::permanent);
  EXPECT_EQ(out.reply, "556 5.1.10 forward target rejected the message");
  auto none = forward(f, {"user@nowhere.fwd.test"});
  EXPECT_EQ(none.kind, Kind::permanent);
  EXPECT_EQ(none.reply, "550 5.1.2 forward target rejected the message");
}

TEST_F(ForwarderMxTest, DnsFailureIsTemporary) {
  SmtpSink sink;
  Forwarder f(runtime_, mx_options(sink.port()));
  auto out = forward(f, {"user@broken.fwd.test"});
  EXPECT_EQ(out.kind, Kind::temporary);
  EXPECT_EQ(out.reply, "451 4.4.3 forward target temporarily unreachable");
}

TEST_F(ForwarderMxTest, PrivateMxAddressesAreRefusedByDefault) {
  SmtpSink sink;
  Forwarder f(runtime_, mx_options(sink.port(), false));
  auto out = forward(f, {"user@good.fwd.test"});
  EXPECT_EQ(out.kind, Kind::permanent);
  EXPECT_EQ(out.reply, "550 5.4.4 forward target rejected the message");
  EXPECT_EQ(sink.count(), 0u);
}

TEST(SentMemory, CapacityAndExpiry) {
  static std::chrono::steady_clock::time_point now{};
  SentMemory m(std::chrono::seconds(10), 2);
  m.set_clock_for_testing([] { return now; });
  auto a = sha256("message a"), b = sha256("message b");
  m.remember(a, "x@y.test");
  EXPECT_TRUE(m.contains(a, "X@Y.test"));  // case does not make another target
  EXPECT_FALSE(m.contains(a, "z@y.test"));
  EXPECT_FALSE(m.contains(b, "x@y.test"));
  now += std::chrono::seconds(1);
  m.remember(b, "x@y.test");
  now += std::chrono::seconds(1);
  m.remember(b, "z@y.test");  // a third entry: the oldest goes
  EXPECT_EQ(m.size(), 2u);
  EXPECT_FALSE(m.contains(a, "x@y.test"));
  EXPECT_TRUE(m.contains(b, "x@y.test"));
  now += std::chrono::seconds(10);  // b/x is now 11 s old, b/z 10 s
  EXPECT_FALSE(m.contains(b, "x@y.test"));
  EXPECT_TRUE(m.contains(b, "z@y.test"));
}

}  // namespace
}  // namespace sealmail::delivery

// The SMTP client against a real SMTP server (aiosmtpd, tests/smtp/client/smtp_sink.py) on
// loopback: what arrives is compared byte for byte with what was sent.
#include "smtp/client/client.h"

#include <gtest/gtest.h>

#include "core/tls.h"
#include "support/outbound.h"

namespace sealmail::smtp::client {
namespace {

using sealmail::testing::run_coroutine;
using sealmail::testing::SmtpSink;
using tcp = asio::ip::tcp;

ClientOptions fast_options() {
  ClientOptions o;
  o.helo_name = "forwarder.test";
  o.connect_timeout = std::chrono::seconds(5);
  o.command_timeout = std::chrono::seconds(5);
  o.data_timeout = std::chrono::seconds(10);
  return o;
}

SessionResult send(const Client& client, uint16_t port, std::vector<std::string> rcpts, std::string message,
                   std::string from = "sender@origin.test", std::string server_name = "localhost") {
  auto msg = std::make_shared<const std::string>(std::move(message));
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  return run_coroutine(client.send(ep, std::move(server_name), std::move(from), std::move(rcpts), msg));
}

const std::string kMessage =
    "From: A <a@origin.test>\r\nTo: b@dest.test\r\nSubject: dots\r\n\r\n"
    ".leading dot\r\n..two dots\r\n.\r\nmiddle\r\n. \r\nend\r\n";

TEST(SmtpClient, DeliversByteExactWithDotStuffing) {
  SmtpSink sink;
  Client client(fast_options());
  auto r = send(client, sink.port(), {"ok@dest.test"}, kMessage);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::delivered);
  EXPECT_EQ(r.recipients[0].reply.code, 250);
  EXPECT_FALSE(r.try_another_host);
  ASSERT_EQ(sink.count(), 1u);
  EXPECT_EQ(sink.message(1), kMessage);  // the lone "." line did not end DATA early
  auto meta = sink.meta(1);
  EXPECT_NE(meta.find("\"mail_from\": \"sender@origin.test\""), std::string::npos) << meta;
  EXPECT_NE(meta.find("SIZE=" + std::to_string(kMessage.size())), std::string::npos) << meta;
  EXPECT_EQ(meta.find("BODY=8BITMIME"), std::string::npos) << meta;  // 7-bit message
}

TEST(SmtpClient, BareLineFeedsBecomeCrlfSoNothingIsSmuggled) {
  SmtpSink sink;
  Client client(fast_options());
  // A second message hidden behind "\n.\n" must stay part of the first one.
  std::string sneaky =
      "Subject: one\n\nbody\n.\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@y.test>\r\nDATA\r\nhidden\r\n";
  auto r = send(client, sink.port(), {"ok@dest.test"}, sneaky);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::delivered);
  ASSERT_EQ(sink.count(), 1u);
  EXPECT_EQ(
      sink.message(1),
      "Subject: one\r\n\r\nbody\r\n.\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@y.test>\r\nDATA\r\nhidden\r\n");
}

TEST(SmtpClient, MessageWithoutFinalNewlineGetsOne) {
  SmtpSink sink;
  Client client(fast_options());
  auto r = send(client, sink.port(), {"ok@dest.test"}, "Subject: x\r\n\r\nno newline");
  EXPECT_EQ(r.recipients[0].outcome, Outcome::delivered);
  EXPECT_EQ(sink.message(1), "Subject: x\r\n\r\nno newline\r\n");
}

class SmtpClientRecipients : public ::testing::TestWithParam<bool> {};

// RFC 5321 §4.2.5 and RFC 2920: an outcome per recipient, pipelined or not.
TEST_P(SmtpClientRecipients, OutcomePerRecipient) {
  bool pipelining = GetParam();
  SmtpSink sink(pipelining ? std::vector<std::string>{"--pipelining"} : std::vector<std::string>{});
  Client client(fast_options());
  auto r = send(client, sink.port(), {"ok@dest.test", "temp@dest.test", "perm@dest.test", "ok2@dest.test"}, kMessage);
  ASSERT_EQ(r.recipients.size(), 4u);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::delivered);
  EXPECT_EQ(r.recipients[1].outcome, Outcome::temporary);
  EXPECT_EQ(r.recipients[1].reply.code, 451);
  EXPECT_EQ(r.recipients[1].reply.enhanced(), "4.2.1");
  EXPECT_EQ(r.recipients[2].outcome, Outcome::permanent);
  EXPECT_EQ(r.recipients[2].reply.code, 550);
  EXPECT_EQ(r.recipients[2].reply.enhanced(), "5.1.1");
  EXPECT_EQ(r.recipients[3].outcome, Outcome::delivered);
  ASSERT_EQ(sink.count(), 1u);
  EXPECT_NE(sink.meta(1).find("[\"ok@dest.test\", \"ok2@dest.test\"]"), std::string::npos) << sink.meta(1);
  EXPECT_EQ(sink.message(1), kMessage);
}

TEST_P(SmtpClientRecipients, NobodyAcceptedSendsNoData) {
  SmtpSink sink(GetParam() ? std::vector<std::string>{"--pipelining"} : std::vector<std::string>{});
  Client client(fast_options());
  auto r = send(client, sink.port(), {"temp@dest.test", "perm@dest.test"}, kMessage);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::temporary);
  EXPECT_EQ(r.recipients[1].outcome, Outcome::permanent);
  EXPECT_FALSE(r.try_another_host);
  EXPECT_EQ(sink.count(), 0u);
}

TEST_P(SmtpClientRecipients, DataRepliesApplyToAcceptedRecipients) {
  SmtpSink sink(GetParam() ? std::vector<std::string>{"--pipelining"} : std::vector<std::string>{});
  Client client(fast_options());
  auto r = send(client, sink.port(), {"datatemp@dest.test", "perm@dest.test"}, kMessage);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::temporary);
  EXPECT_EQ(r.recipients[0].reply.code, 451);
  EXPECT_EQ(r.recipients[0].reply.enhanced(), "4.3.0");
  EXPECT_EQ(r.recipients[1].outcome, Outcome::permanent);
  r = send(client, sink.port(), {"dataperm@dest.test"}, kMessage);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::permanent);
  EXPECT_EQ(r.recipients[0].reply.code, 554);
  EXPECT_EQ(sink.count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Pipelining, SmtpClientRecipients, ::testing::Bool());

TEST(SmtpClient, EightBitAndUtf8Parameters) {
  SmtpSink sink;
  Client client(fast_options());
  std::string body = "Subject: caf\xc3\xa9\r\n\r\nna\xc3\xafve\r\n";
  auto r = send(client, sink.port(), {"j\xc3\xb6rg@dest.test"}, body, "s\xc3\xa9nder@origin.test");
  EXPECT_EQ(r.recipients[0].outcome, Outcome::delivered) << r.recipients[0].reply.summary();
  ASSERT_EQ(sink.count(), 1u);
  auto meta = sink.meta(1);
  EXPECT_NE(meta.find("BODY=8BITMIME"), std::string::npos) << meta;
  EXPECT_NE(meta.find("SMTPUTF8"), std::string::npos) << meta;
  EXPECT_EQ(sink.message(1), body);
}

TEST(SmtpClient, TooBigForTheAnnouncedSizeIsPermanentWithoutSending) {
  SmtpSink sink({"--size", "100"});
  Client client(fast_options());
  auto r = send(client, sink.port(), {"ok@dest.test"}, kMessage + std::string(200, 'x') + "\r\n");
  EXPECT_EQ(r.recipients[0].outcome, Outcome::permanent);
  EXPECT_EQ(r.recipients[0].reply.code, 552);
  EXPECT_EQ(sink.count(), 0u);
}

TEST(SmtpClient, FallsBackToHelo) {
  SmtpSink sink({"--no-ehlo"});
  Client client(fast_options());
  auto r = send(client, sink.port(), {"ok@dest.test"}, kMessage);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::delivered);
  ASSERT_EQ(sink.count(), 1u);
  EXPECT_NE(sink.meta(1).find("\"mail_options\": []"), std::string::npos) << sink.meta(1);  // no SIZE= after HELO
  EXPECT_EQ(sink.message(1), kMessage);
}

class SmtpClientTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(net::ensure_self_signed(certs_.path() / "cert.pem", certs_.path() / "key.pem", "localhost"));
  }
  std::string cert() const { return (certs_.path() / "cert.pem").string(); }
  std::string key() const { return (certs_.path() / "key.pem").string(); }
  sealmail::testing::TempDir certs_;
};

TEST_F(SmtpClientTls, OpportunisticStartTls) {
  SmtpSink sink({"--cert", cert(), "--key", key()});
  Client client(fast_options());
  auto r = send(client, sink.port(), {"ok@dest.test"}, kMessage);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::delivered);
  EXPECT_TRUE(r.tls);
  ASSERT_EQ(sink.count(), 1u);
  EXPECT_NE(sink.meta(1).find("\"tls\": true"), std::string::npos) << sink.meta(1);
  EXPECT_EQ(sink.message(1), kMessage);
}

TEST_F(SmtpClientTls, VerifiedCertificate) {
  SmtpSink sink({"--cert", cert(), "--key", key()});
  auto options = fast_options();
  options.verify_certificate = true;
  options.ca_file = cert();
  Client client(options);
  auto good = send(client, sink.port(), {"ok@dest.test"}, kMessage, "s@origin.test", "localhost");
  EXPECT_EQ(good.recipients[0].outcome, Outcome::delivered);
  EXPECT_TRUE(good.tls);
  // A name the certificate does not carry: no cleartext fallback when verifying.
  auto bad = send(client, sink.port(), {"ok@dest.test"}, kMessage, "s@origin.test", "wrong.test");
  EXPECT_EQ(bad.recipients[0].outcome, Outcome::temporary);
  EXPECT_EQ(bad.recipients[0].reply.enhanced(), "4.7.5");
  EXPECT_TRUE(bad.try_another_host);
  EXPECT_EQ(sink.count(), 1u);
}

TEST(SmtpClient, BrokenTlsFallsBackToCleartext) {
  SmtpSink sink({"--fake-starttls"});
  Client client(fast_options());
  auto r = send(client, sink.port(), {"ok@dest.test"}, kMessage);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::delivered) << r.recipients[0].reply.summary();
  EXPECT_FALSE(r.tls);
  ASSERT_EQ(sink.count(), 1u);
  EXPECT_EQ(sink.message(1), kMessage);
}

TEST(SmtpClient, DataInjectedBeforeTlsIsNotTrusted) {
  SmtpSink sink({"--inject-after-starttls"});
  Client client(fast_options());
  auto r = send(client, sink.port(), {"ok@dest.test"}, kMessage);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::delivered) << r.recipients[0].reply.summary();
  EXPECT_FALSE(r.tls);  // retried in cleartext, on a new connection
  ASSERT_EQ(sink.count(), 1u);
  EXPECT_EQ(sink.message(1), kMessage);
}

TEST(SmtpClient, RequiredTlsWithoutStartTlsIsTemporary) {
  SmtpSink sink;
  auto options = fast_options();
  options.tls = TlsPolicy::required;
  Client client(options);
  auto r = send(client, sink.port(), {"ok@dest.test"}, kMessage);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::temporary);
  EXPECT_TRUE(r.try_another_host);
  EXPECT_EQ(sink.count(), 0u);
}

TEST(SmtpClient, ConnectionRefusedIsTemporary) {
  Client client(fast_options());
  auto r =
      send(client, static_cast<uint16_t>(sealmail::testing::free_port()), {"a@dest.test", "b@dest.test"}, kMessage);
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::temporary);
  EXPECT_EQ(r.recipients[1].outcome, Outcome::temporary);
  EXPECT_TRUE(r.try_another_host);
}

TEST(SmtpClient, SilentServerTimesOut) {
  SmtpSink sink({"--silent"});
  auto options = fast_options();
  options.command_timeout = std::chrono::seconds(1);
  Client client(options);
  auto started = std::chrono::steady_clock::now();
  auto r = send(client, sink.port(), {"ok@dest.test"}, kMessage);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  EXPECT_EQ(r.recipients[0].outcome, Outcome::temporary);
  EXPECT_EQ(r.recipients[0].reply.enhanced(), "4.4.2");
  EXPECT_TRUE(r.try_another_host);
}

TEST(SmtpClient, RefusingGreetingTriesAnotherHost) {
  SmtpSink sink({"--greeting", "554 5.7.1 no service for you"});
  Client client(fast_options());
  auto r = send(client, sink.port(), {"ok@dest.test"}, kMessage);
  EXPECT_EQ(r.recipients[0].outcome, Outcome::permanent);
  EXPECT_EQ(r.recipients[0].reply.code, 554);
  EXPECT_TRUE(r.try_another_host);
}

}  // namespace
}  // namespace sealmail::smtp::client

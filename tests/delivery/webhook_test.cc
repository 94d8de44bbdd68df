// The webhook sender against a real HTTP receiver (tests/delivery/webhook_receiver.py) that checks
// the signature as delivery/webhook.h documents it, and the JSON it receives.
#include "delivery/webhook.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "support/outbound.h"

namespace sealmail::delivery {
namespace {

using sealmail::testing::ChildProcess;
using sealmail::testing::read_file;
using sealmail::testing::run_coroutine;
using sealmail::testing::TempDir;
using Kind = ForwardOutcome::Kind;

const std::string kSecret = "webhook-secret-for-tests";

const std::string kMessage =
    "Received: from somewhere\r\n"
    "From: =?UTF-8?Q?Ren=C3=A9e?= <renee@origin.test>\r\n"
    "To: alias@ours.test\r\n"
    "Subject: =?UTF-8?B?SGVsbG8gd8O2cmxk?=\r\n"
    "X-Folded: first\r\n"
    " second\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Gr=C3=BC=C3=9Fe\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>Hi</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECA/8=\r\n"
    "--outer--\r\n";

class WebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_.emplace(
        std::vector<std::string>{sealmail::testing::kPython, SEALMAIL_WEBHOOK_RECEIVER, "--dir", dir_.path().string()},
        std::vector<std::string>{"WEBHOOK_SECRET=" + kSecret}, (dir_.path() / "receiver.log").string());
    port_ = receiver_->wait_ready();
    ASSERT_NE(port_, 0) << read_file(dir_.path() / "receiver.log");
  }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  ForwardOutcome post(WebhookSender& sender, const std::string& url, const std::string& secret = kSecret) {
    WebhookEnvelope env{"renee@origin.test", {"alias@ours.test", "other@ours.test"}, "192.0.2.5", "mx.origin.test"};
    return run_coroutine(sender.post(url, secret, env, std::make_shared<const std::string>(kMessage)));
  }
  WebhookOptions options(bool allow_private = true) {
    WebhookOptions o;
    o.timeout = std::chrono::seconds(3);
    o.connect_timeout = std::chrono::seconds(2);
    o.allow_private_addresses = allow_private;
    return o;
  }
  bool received(int n) const { return std::filesystem::exists(dir_.path() / (std::to_string(n) + ".json")); }

  net::Runtime runtime_{1, 1};
  TempDir dir_;
  std::optional<ChildProcess> receiver_;
  int port_ = 0;
};

TEST_F(WebhookTest, PostsSignedJson) {
  WebhookSender sender(runtime_, options());
  auto out = post(sender, url());
  EXPECT_EQ(out.kind, Kind::delivered);
  EXPECT_EQ(out.reply, "250 2.0.0 posted to webhook");
  ASSERT_TRUE(received(1));  // the receiver verified the signature
  auto j = nlohmann::json::parse(read_file(dir_.path() / "1.json"));
  EXPECT_EQ(j["envelope"]["mail_from"], "renee@origin.test");
  EXPECT_EQ(j["envelope"]["recipients"], nlohmann::json({"alias@ours.test", "other@ours.test"}));
  EXPECT_EQ(j["envelope"]["remote_ip"], "192.0.2.5");
  EXPECT_EQ(j["envelope"]["helo"], "mx.origin.test");
  EXPECT_EQ(j["subject"], "Hello w\xc3\xb6rld");
  EXPECT_NE(j["from"].get<std::string>().find("Ren\xc3\xa9"
                                              "e"),
            std::string::npos)
      << j["from"];
  EXPECT_NE(j["to"].get<std::string>().find("alias@ours.test"), std::string::npos);
  // The line break before a boundary belongs to the boundary (RFC 2046 §5.1.1).
  EXPECT_EQ(j["text"], std::string("Gr\xc3\xbc\xc3\x9f") + "e");
  EXPECT_EQ(j["html"], "<p>Hi</p>");
  ASSERT_EQ(j["attachments"].size(), 1u);
  EXPECT_EQ(j["attachments"][0]["filename"], "data.bin");
  EXPECT_EQ(j["attachments"][0]["content_type"], "application/octet-stream");
  EXPECT_EQ(j["attachments"][0]["size"], 5);
  auto bytes = sasl::base64_decode(j["attachments"][0]["content"].get<std::string>());
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, std::string("\x00\x01\x02\x03\xff", 5));
  EXPECT_EQ(j["raw_size"], kMessage.size());
  // Headers in order, unfolded, decoded.
  auto headers = j["headers"];
  ASSERT_GE(headers.size(), 7u);
  EXPECT_EQ(headers[0], nlohmann::json({"Received", "from somewhere"}));
  EXPECT_EQ(headers[3], nlohmann::json({"Subject", "Hello w\xc3\xb6rld"}));
  EXPECT_EQ(headers[4], nlohmann::json({"X-Folded", "first second"}));
  EXPECT_EQ(headers[6][0], "Content-Type");
  auto sent = nlohmann::json::parse(read_file(dir_.path() / "1.headers"));
  EXPECT_EQ(sent["Content-Type"], "application/json");
}

TEST(WebhookSignature, MatchesTheDocumentedScheme) {
  // Independent of the receiver: HMAC-SHA256 over "timestamp.body", lowercase hex.
  // Python: hmac.new(b"key", b"1700000000.{}", hashlib.sha256).hexdigest()
  EXPECT_EQ(WebhookSender::signature("key", "1700000000", "{}"),
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
}

TEST_F(WebhookTest, WrongSecretIsRefusedAndTemporary) {
  WebhookSender sender(runtime_, options());
  auto out = post(sender, url(), "not the secret");
  EXPECT_EQ(out.kind, Kind::temporary);
  EXPECT_EQ(out.reply, "451 4.4.1 webhook temporarily unavailable");
  EXPECT_FALSE(received(1));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "rejected-1.json"));
}

TEST_F(WebhookTest, NonSuccessStatusesAreTemporary) {
  WebhookSender sender(runtime_, options());
  EXPECT_EQ(post(sender, url("/status/503")).kind, Kind::temporary);
  EXPECT_EQ(post(sender, url("/status/400")).kind, Kind::temporary);
  EXPECT_EQ(post(sender, url("/redirect")).kind, Kind::temporary);  // redirects are not followed
  EXPECT_EQ(post(sender, url("/status/204")).kind, Kind::delivered);
}

TEST_F(WebhookTest, TimeoutIsTemporary) {
  WebhookSender sender(runtime_, options());
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(post(sender, url("/slow")).kind, Kind::temporary);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
}

TEST_F(WebhookTest, RefusedConnectionIsTemporary) {
  WebhookSender sender(runtime_, options());
  auto port = sealmail::testing::free_port();
  EXPECT_EQ(post(sender, "http://127.0.0.1:" + std::to_string(port) + "/").kind, Kind::temporary);
}

TEST_F(WebhookTest, PrivateAddressesRefusedByDefault) {
  WebhookSender sender(runtime_, options(false));
  EXPECT_EQ(post(sender, url()).kind, Kind::temporary);
  EXPECT_FALSE(received(1));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "rejected-1.json"));  // nothing was sent at all
  EXPECT_EQ(post(sender, "file:///etc/passwd").kind, Kind::temporary);     // only http and https
}

TEST_F(WebhookTest, ConcurrentPosts) {
  WebhookSender sender(runtime_, options());
  boost::asio::io_context io;
  std::atomic<int> delivered{0};
  WebhookEnvelope env{"a@origin.test", {"b@ours.test"}, "192.0.2.5", "h"};
  auto message = std::make_shared<const std::string>(kMessage);
  for (int i = 0; i < 8; ++i)
    boost::asio::co_spawn(io, sender.post(url(), kSecret, env, message), [&](std::exception_ptr e, ForwardOutcome o) {
      if (!e && o.kind == Kind::delivered) ++delivered;
    });
  io.run();
  EXPECT_EQ(delivered.load(), 8);
  EXPECT_TRUE(received(8));
}

}  // namespace
}  // namespace sealmail::delivery

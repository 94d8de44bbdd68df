// Delivering a message to an HTTP(S) webhook (DESIGN.md point 3): one POST of the message as JSON
// (webhook_json.h), during our sender's SMTP transaction.
//
// Signature scheme (what a receiver checks):
//   X-Sealmail-Event: message | bounce   (what the body is)
//   X-Sealmail-Timestamp: <Unix seconds when the request was made>
//   X-Sealmail-Signature: sha256=<lowercase hex HMAC-SHA256(secret, timestamp + "." + body)>
// The receiver recomputes the HMAC over the timestamp header's exact text, a ".", and the raw body
// bytes, compares in constant time, and refuses a timestamp more than 5 minutes from its clock:
// the timestamp is inside the MAC, so a captured request cannot be replayed later with a new one.
//
// Outcome: a 2xx status is delivered; anything else (other statuses, redirects, which are not
// followed, timeouts, refused connections, TLS errors) is temporary, so the sender retries and the
// receiver gets another chance. The URL and the secret are never logged (URLs often hold tokens).
//
// libcurl's easy interface blocks, so requests run on this sender's own small thread pool rather
// than on the runtime's worker pool: a slow receiver may hold a thread up to the timeout, and that
// must not stall the SQLite work queued there.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "core/runtime.h"
#include "delivery/outcome.h"
#include "delivery/webhook_json.h"

namespace sealmail::delivery {

struct WebhookOptions {
  std::chrono::seconds timeout{30};  // the whole request
  std::chrono::seconds connect_timeout{10};
  int threads = 4;  // requests at once; more wait their turn
  // Loopback and private addresses are refused (address_policy.h) unless allowed (tests).
  bool allow_private_addresses = false;
  std::string ca_file;  // extra trusted CAs for https (tests); the system store otherwise
};

class WebhookSender {
 public:
  WebhookSender(net::Runtime& runtime, WebhookOptions options);
  ~WebhookSender();

  // A received message (webhook_json.h), X-Sealmail-Event "message".
  boost::asio::awaitable<ForwardOutcome> post(std::string url, std::string secret, WebhookEnvelope envelope,
                                              std::shared_ptr<const std::string> message);
  // Any JSON event body, signed the same way and named by X-Sealmail-Event (e.g. "bounce"): true on
  // a 2xx answer.
  boost::asio::awaitable<bool> post_event(std::string url, std::string secret, std::string event, std::string body);

  // "sha256=<hex>" over timestamp "." body: the scheme above, for receivers written in C++ and tests.
  static std::string signature(std::string_view secret, std::string_view timestamp, std::string_view body);

 private:
  net::Runtime& runtime_;
  WebhookOptions options_;
  boost::asio::thread_pool pool_;
};

}  // namespace sealmail::delivery

#include "delivery/webhook.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <mutex>

#include "core/hex.h"
#include "core/log.h"
#include "core/wipe.h"
#include "delivery/address_policy.h"

namespace sealmail::delivery {

namespace asio = boost::asio;

namespace {

struct Request {
  std::string url;
  std::string event;  // X-Sealmail-Event
  std::string body;
  std::string timestamp;
  std::string signature;
  WebhookOptions options;
};

struct Response {
  long status = 0;  // 0: no HTTP answer
  CURLcode code = CURLE_OK;
};

size_t discard(char* /*data*/, size_t size, size_t count, void* /*user*/) { return size * count; }

// Runs after the connection is made and before the request is sent: refuse private addresses
// here, on the address actually connected to, so DNS tricks cannot get around it.
int check_address(void* user, char* primary_ip, char* /*local_ip*/, int /*primary_port*/, int /*local_port*/) {
  const auto* options = static_cast<const WebhookOptions*>(user);
  if (options->allow_private_addresses) return CURL_PREREQFUNC_OK;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(primary_ip, ec);
  return !ec && is_public_address(address) ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

Response perform(const Request& r) {
  Response out;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    out.code = CURLE_FAILED_INIT;
    return out;
  }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  headers = curl_slist_append(headers, ("X-Sealmail-Event: " + r.event).c_str());
  headers = curl_slist_append(headers, ("X-Sealmail-Timestamp: " + r.timestamp).c_str());
  headers = curl_slist_append(headers, ("X-Sealmail-Signature: " + r.signature).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we are threaded
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "sealmail-webhook");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(r.options.timeout.count() * 1000));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.options.connect_timeout.count() * 1000));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discard);
  curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, &check_address);
  curl_easy_setopt(curl, CURLOPT_PREREQDATA, &r.options);
  if (!r.options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, r.options.ca_file.c_str());
  out.code = curl_easy_perform(curl);
  if (out.code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return out;
}

// A coroutine function (not a capturing lambda: GCC 12) that runs the request on the pool.
asio::awaitable<Response> run(std::shared_ptr<const Request> request) { co_return perform(*request); }

}  // namespace

WebhookSender::WebhookSender(net::Runtime& runtime, WebhookOptions options)
    : runtime_(runtime), options_(std::move(options)), pool_(static_cast<size_t>(std::max(1, options_.threads))) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });  // not thread-safe: once
}

WebhookSender::~WebhookSender() { pool_.join(); }

std::string WebhookSender::signature(std::string_view secret, std::string_view timestamp, std::string_view body) {
  std::string data;
  data.reserve(timestamp.size() + 1 + body.size());
  data.append(timestamp).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return "sha256=" + to_hex({mac, len});
}

asio::awaitable<ForwardOutcome> WebhookSender::post(std::string url, std::string secret, WebhookEnvelope envelope,
                                                    std::shared_ptr<const std::string> message) {
  auto posting = post_event(std::move(url), std::move(secret), "message", webhook_json(envelope, *message));
  bool ok = co_await std::move(posting);
  if (ok) co_return ForwardOutcome{ForwardOutcome::Kind::delivered, "250 2.0.0 posted to webhook"};
  co_return ForwardOutcome{ForwardOutcome::Kind::temporary, "451 4.4.1 webhook temporarily unavailable"};
}

asio::awaitable<bool> WebhookSender::post_event(std::string url, std::string secret, std::string event,
                                                std::string body) {
  auto request = std::make_shared<Request>();
  request->url = std::move(url);
  request->event = std::move(event);
  request->body = std::move(body);
  request->timestamp = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  request->signature = signature(secret, request->timestamp, request->body);
  sasl::wipe(secret);
  request->options = options_;

  auto work = run(request);
  auto done = asio::co_spawn(pool_, std::move(work), asio::use_awaitable);
  Response response = co_await std::move(done);

  const bool ok = response.code == CURLE_OK && response.status >= 200 && response.status < 300;
  log::info("webhook", {{"to", log::redact_address(request->url)},
                        {"event", request->event},
                        {"status", std::to_string(response.status)},
                        {"curl", std::to_string(static_cast<int>(response.code))}});
  co_return ok;
}

}  // namespace sealmail::delivery

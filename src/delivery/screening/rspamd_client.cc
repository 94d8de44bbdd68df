#include "delivery/screening/rspamd_client.h"

#include <curl/curl.h>

namespace sealmail::delivery::screening {

namespace {

constexpr size_t kMaxAnswer = 1 << 20;

struct Body {
  std::string bytes;
};

size_t collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  size_t n = size * count;
  if (body->bytes.size() + n > kMaxAnswer) return 0;  // curl stops with CURLE_WRITE_ERROR
  body->bytes.append(data, n);
  return n;
}

// A request header's value: one line, no CR/LF (an address with them would add headers).
bool header_safe(std::string_view v) {
  for (char c : v)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

}  // namespace

Result<RspamdVerdict> rspamd_check(const std::string& url, uint32_t timeout_ms, const RspamdRequest& request,
                                   std::string_view message) {
  CURL* curl = curl_easy_init();
  if (!curl) return make_error(Errc::internal, "rspamd: curl_easy_init failed");
  curl_slist* headers = nullptr;
  auto add = [&headers](const char* name, std::string_view value) {
    if (value.empty() || !header_safe(value)) return;
    headers = curl_slist_append(headers, (std::string(name) + ": " + std::string(value)).c_str());
  };
  add("IP", request.client_ip);
  add("Helo", request.helo);
  add("From", request.mail_from);
  add("Hostname", request.hostname);
  add("User", request.user);
  for (const auto& r : request.recipients) add("Rcpt", r);
  headers = curl_slist_append(headers, "Content-Type: message/rfc822");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  std::string target = url + "/checkv2";
  Body body;
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, message.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "sealmail");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return make_error(Errc::io, std::string("rspamd: ") + curl_easy_strerror(rc));
  if (status != 200) return make_error(Errc::io, "rspamd: HTTP status " + std::to_string(status));
  return parse_rspamd_reply(body.bytes);
}

}  // namespace sealmail::delivery::screening

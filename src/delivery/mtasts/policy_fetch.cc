#include "delivery/mtasts/policy_fetch.h"

#include <curl/curl.h>

#include <mutex>

#include "delivery/address_policy.h"
#include "delivery/mtasts/policy.h"

namespace sealmail::delivery::mtasts {

namespace {

struct Body {
  std::string data;
  bool too_big = false;
};

size_t collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  size_t n = size * count;
  if (body->data.size() + n > kMaxPolicyBytes) {
    body->too_big = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  body->data.append(data, n);
  return n;
}

int check_address(void* user, char* primary_ip, char* /*local_ip*/, int /*primary_port*/, int /*local_port*/) {
  const auto* options = static_cast<const FetchOptions*>(user);
  if (options->allow_private_addresses) return CURL_PREREQFUNC_OK;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(primary_ip, ec);
  return !ec && is_public_address(address) ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

bool text_plain(const char* content_type) {
  if (content_type == nullptr) return false;
  std::string t(content_type);
  for (char& c : t) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return t.rfind("text/plain", 0) == 0 && (t.size() == 10 || t[10] == ';' || t[10] == ' ');
}

}  // namespace

FetchResult fetch_policy(const std::string& domain, const std::vector<boost::asio::ip::address>& addresses,
                         const FetchOptions& options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  FetchResult out;
  if (addresses.empty()) {
    out.error = "no address for the policy host";
    return out;
  }
  const std::string host = "mta-sts." + domain;
  const std::string port = std::to_string(options.port);
  // CURLOPT_RESOLVE: "host:port:addr[,addr]", IPv6 addresses in brackets.
  std::string resolve = host + ":" + port + ":";
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (i) resolve += ",";
    resolve += addresses[i].is_v6() ? "[" + addresses[i].to_string() + "]" : addresses[i].to_string();
  }
  const std::string url = "https://" + host + ":" + port + "/.well-known/mta-sts.txt";

  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    out.error = "curl_easy_init failed";
    return out;
  }
  curl_slist* resolved = curl_slist_append(nullptr, resolve.c_str());
  Body body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_RESOLVE, resolved);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // §3.3: no redirects
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "sealmail-mta-sts");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count() * 1000));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout.count() * 1000));
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxPolicyBytes));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, &check_address);
  curl_easy_setopt(curl, CURLOPT_PREREQDATA, &options);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  char* content_type = nullptr;
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
  }
  if (body.too_big || code == CURLE_FILESIZE_EXCEEDED) {
    out.error = "policy larger than 64 KiB";
  } else if (code != CURLE_OK) {
    out.error = std::string("fetch failed: ") + curl_easy_strerror(code);
  } else if (status != 200) {
    out.error = "HTTP status " + std::to_string(status);  // §3.3: redirects (3xx) are failures too
  } else if (!text_plain(content_type)) {
    out.error = "policy is not text/plain";
  } else {
    out.body = std::move(body.data);
  }
  curl_slist_free_all(resolved);
  curl_easy_cleanup(curl);
  return out;
}

}  // namespace sealmail::delivery::mtasts

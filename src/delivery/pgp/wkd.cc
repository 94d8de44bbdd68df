#include "delivery/pgp/wkd.h"

#include <curl/curl.h>
#include <openssl/sha.h>
#include <toml++/toml.h>

#include <algorithm>
#include <mutex>

#include "core/toml_file.h"

namespace sealmail::delivery::pgp {

namespace {

void curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// RFC 3986 §2.3: the unreserved characters stay, the rest is %XX.
std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

struct Body {
  std::string bytes;
  size_t limit = 0;
  bool too_large = false;
};

size_t on_data(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  size_t n = size * count;
  if (body->bytes.size() + n > body->limit) {
    body->too_large = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  body->bytes.append(data, n);
  return n;
}

Error config_error(const std::string& key, const std::string& problem) {
  return make_error(Errc::invalid_argument, "config: openpgp." + key + ": " + problem);
}

}  // namespace

std::string zbase32(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::string wkd_hash(std::string_view local_part) {
  std::string folded = lower_ascii(local_part);
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const uint8_t*>(folded.data()), folded.size(), digest);
  return zbase32(digest, sizeof digest);
}

Result<WkdLookupOptions> load_wkd_options(const std::optional<std::filesystem::path>& file) {
  WkdLookupOptions o;
  if (!file) return o;
  auto parsed = parse_toml_file(*file);
  if (!parsed) return parsed.error();
  toml::table& root = *parsed;
  auto* n = root.get("openpgp");
  if (!n) return o;
  if (!n->is_table()) return make_error(Errc::invalid_argument, "config: openpgp: expected a table");
  for (auto& [k, v] : *n->as_table()) {
    std::string name(k.str());
    if (name == "wkd_timeout_seconds" || name == "wkd_max_bytes") {
      auto x = v.value<int64_t>();
      int64_t max = name == "wkd_timeout_seconds" ? 300 : 16 * 1024 * 1024;
      if (!v.is_integer() || !x) return config_error(name, "expected a whole number");
      if (*x < 1 || *x > max) return config_error(name, "must be between 1 and " + std::to_string(max));
      (name == "wkd_timeout_seconds" ? o.timeout_seconds : o.max_bytes) = static_cast<uint32_t>(*x);
    } else if (name == "wkd_ca_file" || name == "wkd_connect_to") {
      if (!v.is_string()) return config_error(name, "expected a string");
      std::string s(*v.value<std::string>());
      if (name == "wkd_connect_to" && !s.empty() && s.rfind(':') == std::string::npos)
        return config_error(name, "expected \"host:port\"");
      (name == "wkd_ca_file" ? o.ca_file : o.connect_to) = s;
    } else {
      return config_error(name, "unknown key");
    }
  }
  return o;
}

std::vector<std::string> wkd_urls(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= address.size()) return {};
  std::string_view local = address.substr(0, at);
  std::string domain = lower_ascii(address.substr(at + 1));
  std::string tail = "hu/" + wkd_hash(local) + "?l=" + percent_encode(local);
  return {"https://openpgpkey." + domain + "/.well-known/openpgpkey/" + domain + "/" + tail,
          "https://" + domain + "/.well-known/openpgpkey/" + tail};
}

Result<std::vector<uint8_t>> wkd_lookup(std::string_view address, const WkdLookupOptions& options) {
  auto urls = wkd_urls(address);
  if (urls.empty()) return make_error(Errc::invalid_argument, "WKD: not an address");
  auto domain = lower_ascii(address.substr(address.rfind('@') + 1));
  if (domain.find_first_of("/?#@:[] ") != std::string::npos)
    return make_error(Errc::invalid_argument, "WKD: bad domain");
  curl_once();
  std::string last = "no key was found";
  for (const auto& url : urls) {
    CURL* curl = curl_easy_init();
    if (!curl) return make_error(Errc::internal, "WKD: curl could not start");
    curl_slist* connect_to = nullptr;
    if (!options.connect_to.empty()) connect_to = curl_slist_append(nullptr, ("::" + options.connect_to).c_str());
    Body body;
    body.limit = options.max_bytes;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options.timeout_seconds));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min<uint32_t>(options.timeout_seconds, 10)));
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
    if (connect_to) curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "sealmail-wkd");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(connect_to);
    if (body.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      last = "the key served is larger than " + std::to_string(options.max_bytes) + " bytes";
      continue;
    }
    if (rc != CURLE_OK) {
      last = std::string("the request failed: ") + curl_easy_strerror(rc);
      continue;
    }
    if (status != 200) {
      last = "the server answered " + std::to_string(status);
      continue;
    }
    if (body.bytes.empty()) {
      last = "the server sent an empty key";
      continue;
    }
    return std::vector<uint8_t>(body.bytes.begin(), body.bytes.end());
  }
  return make_error(Errc::not_found, "WKD: " + last);
}

}  // namespace sealmail::delivery::pgp

#include "backup/s3_target.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "backup/s3_list.h"
#include "core/fs.h"

namespace sealmail::backup {

namespace {

constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr size_t kMaxErrorBody = 64 << 10;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// RFC 3986 unreserved characters stay; everything else is %XX (what SigV4's canonical query
// needs, so curl's canonical form and the server's agree).
std::string uri_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// The <Code> of an S3 error answer, for the message (it names the failure, never a secret).
std::string s3_code(const std::string& body) {
  auto a = body.find("<Code>"), b = body.find("</Code>");
  if (a == std::string::npos || b == std::string::npos || b < a || b - a > 70) return "";
  return body.substr(a + 6, b - a - 6);
}

size_t to_string_sink(char* p, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() + size * n > (16u << 20)) return 0;  // an answer this large is not a list or an error
  s->append(p, size * n);
  return size * n;
}

size_t to_file_sink(char* p, size_t size, size_t n, void* out) {
  return std::fwrite(p, size, n, static_cast<FILE*>(out)) * size;
}

}  // namespace

struct S3Target::Request {
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  std::string body;  // answers other than an object's bytes
  ~Request() {
    curl_slist_free_all(headers);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  void prepare(const S3Target& t, const std::string& url, const char* payload_sha256) {
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    std::string sigv4 = "aws:amz:" + t.config_.region + ":s3";
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    std::string user(t.access_key_.view());
    curl_easy_setopt(curl, CURLOPT_USERNAME, user.c_str());
    std::string secret(t.secret_key_.view());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, secret.c_str());  // curl copies it
    crypto::wipe(secret.data(), secret.size());
    headers = curl_slist_append(headers, (std::string("x-amz-content-sha256: ") + payload_sha256).c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
    // A stalled transfer (under 1 KiB/s for a minute) fails instead of hanging the schedule.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, to_string_sink);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  }

  // Performs the request; the HTTP status, or an error for a transport failure.
  Result<long> perform(const char* what) {
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) return make_error(Errc::io, std::string("S3 ") + what + ": " + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

  Error failure(const char* what, long status) const {
    std::string code = s3_code(body.size() > kMaxErrorBody ? std::string() : body);
    Errc errc = status == 404 ? Errc::not_found : status == 403 ? Errc::wrong_password : Errc::io;
    return {errc, std::string("S3 ") + what + ": HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code)};
  }
};

Result<std::unique_ptr<S3Target>> S3Target::create(const BackupConfig& config) {
  global_init();
  crypto::SecretBuffer access, secret;
  if (!config.credentials_file.empty()) {
    auto data = fs::read_file(config.credentials_file);
    if (!data) return make_error(Errc::not_found, "cannot read the backup credentials file");
    std::string_view t = *data;
    auto nl = t.find('\n');
    std::string_view first = t.substr(0, nl), second = nl == std::string_view::npos ? "" : t.substr(nl + 1);
    second = second.substr(0, second.find('\n'));
    auto trim = [](std::string_view v) {
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.remove_suffix(1);
      return v;
    };
    access = crypto::SecretBuffer::from(trim(first));
    secret = crypto::SecretBuffer::from(trim(second));
    crypto::wipe(data->data(), data->size());
  } else {
    const char* a = std::getenv("AWS_ACCESS_KEY_ID");
    const char* s = std::getenv("AWS_SECRET_ACCESS_KEY");
    if (a != nullptr) access = crypto::SecretBuffer::from(std::string_view(a));
    if (s != nullptr) secret = crypto::SecretBuffer::from(std::string_view(s));
  }
  if (access.empty() || secret.empty())
    return make_error(Errc::invalid_argument,
                      "S3 backups need credentials: backup.credentials_file (access key id, then secret key, one a "
                      "line) or $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY");
  return std::unique_ptr<S3Target>(new S3Target(config, std::move(access), std::move(secret)));
}

std::string S3Target::object_url(const std::string& name) const {
  std::string base = config_.endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + uri_encode(config_.bucket) + "/" + name;  // names are [A-Za-z0-9._/-] already
}

Status S3Target::put(const std::string& name, const std::filesystem::path& file, const std::string& sha256_hex) {
  if (!valid_object_name(name)) return make_error(Errc::invalid_argument, "bad backup object name");
  FILE* in = std::fopen(file.c_str(), "rb");
  if (in == nullptr) return make_error(Errc::io, "cannot read the snapshot to upload");
  struct Closer {
    FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{in};
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return make_error(Errc::io, "cannot size the snapshot to upload");
  Request r;
  r.prepare(*this, object_url(name), sha256_hex.c_str());
  curl_easy_setopt(r.curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(r.curl, CURLOPT_READDATA, in);
  curl_easy_setopt(r.curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  r.headers = curl_slist_append(r.headers, "Content-Type: application/octet-stream");
  curl_easy_setopt(r.curl, CURLOPT_HTTPHEADER, r.headers);
  auto status = r.perform("upload");
  if (!status) return status.error();
  if (*status != 200) return r.failure("upload", *status);
  return {};
}

Status S3Target::get(const std::string& name, const std::filesystem::path& file) {
  if (!valid_object_name(name)) return make_error(Errc::invalid_argument, "bad backup object name");
  auto partial = file;
  partial += ".partial";
  FILE* out = std::fopen(partial.c_str(), "wb");
  if (out == nullptr) return make_error(Errc::io, "cannot write the download");
  ::fchmod(fileno(out), 0600);
  Request r;
  r.prepare(*this, object_url(name), kEmptySha256);
  curl_easy_setopt(r.curl, CURLOPT_WRITEFUNCTION, to_file_sink);
  curl_easy_setopt(r.curl, CURLOPT_WRITEDATA, out);
  auto status = r.perform("download");
  bool flushed = std::fflush(out) == 0 && ::fsync(fileno(out)) == 0;
  std::fclose(out);
  if (!status || *status != 200 || !flushed) {
    (void)fs::remove_if_exists(partial);
    if (!status) return status.error();
    if (*status != 200)
      return make_error(*status == 404 ? Errc::not_found : Errc::io, "S3 download: HTTP " + std::to_string(*status));
    return make_error(Errc::io, "cannot write the download");
  }
  return fs::durable_rename(partial, file);
}

Result<std::vector<ObjectInfo>> S3Target::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  for (int pages = 0; pages < 10000; ++pages) {
    // Parameters in sorted order, encoded: the canonical query of SigV4 as it is sent.
    std::string query;
    if (!token.empty()) query += "continuation-token=" + uri_encode(token) + "&";
    query += "list-type=2&prefix=" + uri_encode(prefix);
    std::string base = config_.endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    Request r;
    r.prepare(*this, base + "/" + uri_encode(config_.bucket) + "?" + query, kEmptySha256);
    auto status = r.perform("list");
    if (!status) return status.error();
    if (*status != 200) return r.failure("list", *status);
    auto page = parse_list_objects(r.body);
    if (!page) return page.error();
    for (auto& o : page->objects)
      if (o.name.rfind(prefix, 0) == 0) out.push_back(std::move(o));
    if (!page->truncated) return out;
    token = page->next_token;
  }
  return make_error(Errc::io, "S3 list: too many pages");
}

Status S3Target::remove(const std::string& name) {
  if (!valid_object_name(name)) return make_error(Errc::invalid_argument, "bad backup object name");
  Request r;
  r.prepare(*this, object_url(name), kEmptySha256);
  curl_easy_setopt(r.curl, CURLOPT_CUSTOMREQUEST, "DELETE");
  auto status = r.perform("delete");
  if (!status) return status.error();
  if (*status != 204 && *status != 200 && *status != 404) return r.failure("delete", *status);
  return {};
}

}  // namespace sealmail::backup

#include "imap/client/imap_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

#include "core/base64.h"
#include "core/wipe.h"

namespace sealmail::imap::client {

using sasl::base64_encode;
using sasl::wipe;

namespace {

Error net_error(std::string what) { return make_error(Errc::io, std::move(what)); }

// Server text is shown to the user: printable ASCII only, and not too long.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      return std::nullopt;
    out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<std::string> quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return std::nullopt;
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

Result<Endpoint> parse_source_url(std::string_view url) {
  Endpoint e;
  auto invalid = [] {
    return make_error(Errc::invalid_argument, "the source must be imaps://USER@HOST[:PORT] or imap://USER@HOST[:PORT]");
  };
  if (url.starts_with("imaps://")) {
    url.remove_prefix(8);
  } else if (url.starts_with("imap://")) {
    url.remove_prefix(7);
    e.implicit_tls = false;
    e.port = 143;
  } else {
    return invalid();
  }
  if (!url.empty() && url.back() == '/') url.remove_suffix(1);
  size_t at = url.rfind('@');
  if (at == std::string_view::npos || at == 0) return invalid();
  auto user = percent_decode(url.substr(0, at));
  if (!user || user->empty()) return invalid();
  e.user = std::move(*user);
  std::string_view hostport = url.substr(at + 1);
  std::string_view port;
  if (hostport.starts_with("[")) {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return invalid();
    e.host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return invalid();
      port = after.substr(1);
    }
  } else {
    size_t colon = hostport.rfind(':');
    e.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (e.host.empty() || e.host.find_first_of("/?#") != std::string::npos) return invalid();
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return invalid();
    int p = std::stoi(std::string(port));
    if (p < 1 || p > 65535) return invalid();
    e.port = static_cast<uint16_t>(p);
  }
  return e;
}

struct Client::Impl {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  std::string buffer;  // read, not yet parsed
  ClientOptions options;
  std::vector<std::string> capabilities;
  unsigned next_tag = 1;

  ~Impl() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }

  Status write_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n;
      if (ssl != nullptr) {
        size_t written = 0;
        n = SSL_write_ex(ssl, data.data(), data.size(), &written) == 1 ? static_cast<ssize_t>(written) : -1;
      } else {
        n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      }
      if (n <= 0) return net_error("the source server closed the connection (or timed out) while we wrote");
      data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
  }

  Status read_some(size_t want) {
    size_t chunk = std::max<size_t>(std::min<size_t>(want, 1u << 20), 16384);
    size_t old = buffer.size();
    buffer.resize(old + chunk);
    ssize_t n;
    if (ssl != nullptr) {
      size_t got = 0;
      n = SSL_read_ex(ssl, buffer.data() + old, chunk, &got) == 1 ? static_cast<ssize_t>(got) : -1;
    } else {
      n = ::recv(fd, buffer.data() + old, chunk, 0);
    }
    if (n <= 0) {
      buffer.resize(old);
      return net_error("the source server closed the connection (or timed out)");
    }
    buffer.resize(old + static_cast<size_t>(n));
    return {};
  }

  Result<Response> read_response() {
    for (;;) {
      auto r = parse_response(buffer, options.limits);
      if (!r) return r.error();
      if (auto* whole = std::get_if<std::pair<Response, size_t>>(&*r)) {
        Response resp = std::move(whole->first);
        buffer.erase(0, whole->second);
        return resp;
      }
      size_t need = std::get<NeedMore>(*r).total;
      while (buffer.size() < need) SEALMAIL_TRY(read_some(need - buffer.size()));
    }
  }

  void note_capabilities(const std::vector<Value>& values, size_t from) {
    capabilities.clear();
    for (size_t i = from; i < values.size(); ++i)
      if (values[i].kind == Value::Kind::atom) capabilities.push_back(upper(values[i].text));
  }

  Result<std::string> command(std::string_view text, const Handler& on_untagged, bool sensitive = false) {
    std::string tag = "s" + std::to_string(next_tag++);
    std::string line = tag + " " + std::string(text) + "\r\n";
    auto w = write_all(line);
    if (sensitive) wipe(line);
    SEALMAIL_TRY(w);
    std::string verb = upper(text.substr(0, text.find(' ')));
    if (verb == "UID") verb = upper(text.substr(0, text.find(' ', 4)));
    for (;;) {
      auto resp = read_response();
      if (!resp) return resp.error();
      if (resp->tag == tag) {
        if (resp->status == "OK") return std::move(resp->text);
        return make_error(
            resp->status == "NO" ? Errc::not_found : Errc::invalid_argument,
            "the source server answered " + verb + " with " + resp->status + ": " + printable(resp->text));
      }
      if (resp->tag == "*" && resp->status == "BYE")
        return net_error("the source server closed the connection: " + printable(resp->text));
      if (resp->tag == "*" && !resp->values.empty() && resp->values[0].is_atom("CAPABILITY"))
        note_capabilities(resp->values, 1);
      if (resp->tag == "*" && on_untagged) SEALMAIL_TRY(on_untagged(*resp));
      if (resp->tag != "*" && resp->tag != "+")
        return make_error(Errc::invalid_argument, "bad IMAP response: unknown tag");
    }
  }

  Status start_tls(const std::string& host) {
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) return net_error("cannot set up TLS");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    int loaded = options.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                         : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
    if (loaded != 1)
      return net_error("cannot load the CA certificates" + (options.ca_file.empty() ? "" : " from " + options.ca_file));
    ssl = SSL_new(ctx);
    if (ssl == nullptr) return net_error("cannot set up TLS");
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, host.c_str(), ip) == 1 || inet_pton(AF_INET6, host.c_str(), ip) == 1;
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, host.c_str());
      SSL_set1_host(ssl, host.c_str());
    }
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
      long v = SSL_get_verify_result(ssl);
      ERR_clear_error();
      if (v != X509_V_OK)
        return net_error(std::string("the source server's certificate is not trusted: ") +
                         X509_verify_cert_error_string(v));
      return net_error("the TLS handshake with the source server failed");
    }
    return {};
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::connect(const Endpoint& endpoint, const ClientOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(endpoint.port);
  if (int rc = getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &res); rc != 0)
    return net_error("cannot resolve the source server's name: " + std::string(gai_strerror(rc)));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(options.timeout.count());
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      impl->fd = fd;
      break;
    }
    ::close(fd);
  }
  freeaddrinfo(res);
  if (impl->fd < 0) return net_error("cannot connect to the source server on port " + port);
  if (endpoint.implicit_tls) SEALMAIL_TRY(impl->start_tls(endpoint.host));
  auto greeting = impl->read_response();
  if (!greeting) return greeting.error();
  if (greeting->tag != "*" || greeting->status != "OK")
    return net_error("the source server did not greet with OK: " + printable(greeting->text));
  if (!endpoint.implicit_tls) {
    // STARTTLS is required: the password never goes over plain text.
    auto r = impl->command("STARTTLS", {});
    if (!r) return make_error(Errc::io, "the source server offers no STARTTLS (" + r.error().message + ")");
    // Anything sent after the OK before the handshake would be a plaintext injection.
    if (!impl->buffer.empty()) return net_error("the source server sent data before the TLS handshake");
    SEALMAIL_TRY(impl->start_tls(endpoint.host));
  }
  auto caps = impl->command("CAPABILITY", {});
  if (!caps) return caps.error();
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

bool Client::has_capability(std::string_view name) const {
  std::string n = upper(name);
  for (const auto& c : impl_->capabilities)
    if (c == n) return true;
  return false;
}

Status Client::login(std::string_view user, const crypto::SecretBuffer& password) {
  Result<std::string> r = std::string();
  if (has_capability("AUTH=PLAIN")) {
    std::string plain;
    plain.push_back('\0');
    plain.append(user);
    plain.push_back('\0');
    plain.append(password.view());
    std::string encoded = base64_encode(plain);
    wipe(plain);
    std::string tag = "s" + std::to_string(impl_->next_tag++);
    std::string line = tag + " AUTHENTICATE PLAIN\r\n";
    Status sent = impl_->write_all(line);
    if (sent) {
      auto cont = impl_->read_response();
      if (!cont) {
        sent = cont.error();
      } else if (cont->tag == "+") {
        encoded += "\r\n";
        sent = impl_->write_all(encoded);
      } else if (cont->tag == tag) {
        sent = make_error(Errc::invalid_argument,
                          "the source server refused AUTHENTICATE PLAIN: " + printable(cont->text));
      } else {
        sent = make_error(Errc::invalid_argument, "bad IMAP response to AUTHENTICATE");
      }
    }
    wipe(encoded);
    SEALMAIL_TRY(sent);
    for (;;) {
      auto resp = impl_->read_response();
      if (!resp) return resp.error();
      if (resp->tag != tag) continue;
      if (resp->status == "OK") break;
      return make_error(Errc::wrong_password, "the source server refused the login: " + printable(resp->text));
    }
  } else {
    if (has_capability("LOGINDISABLED")) return make_error(Errc::invalid_argument, "the source server allows no login");
    auto qu = quote(user);
    auto qp = quote(password.view());
    if (!qu || !qp)
      return make_error(Errc::invalid_argument,
                        "the source server has no AUTH=PLAIN and the credentials cannot be quoted");
    std::string text = "LOGIN " + *qu + " " + *qp;
    wipe(*qp);
    r = impl_->command(text, {}, true);
    wipe(text);
    if (!r) {
      if (r.error().code == Errc::not_found)
        return make_error(Errc::wrong_password, "the source server refused the login" +
                                                    r.error().message.substr(r.error().message.find(':')));
      return r.error();
    }
  }
  // Capabilities change after login (RFC 9051 §6.2.3): ask again.
  auto caps = impl_->command("CAPABILITY", {});
  if (!caps) return caps.error();
  return {};
}

Result<std::string> Client::command(std::string_view text, const Handler& on_untagged) {
  return impl_->command(text, on_untagged);
}

void Client::logout() { (void)impl_->command("LOGOUT", {}); }

}  // namespace sealmail::imap::client

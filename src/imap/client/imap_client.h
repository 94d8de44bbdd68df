// A small blocking IMAP client for importing from another server (`sealmail import --from imap`):
// TLS (implicit on imaps://, STARTTLS required on imap://) with the certificate and host name
// verified, AUTHENTICATE PLAIN or LOGIN, and commands whose untagged responses go to a callback.
// Every response goes through the bounded parser of response_parser.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "crypto/secret.h"
#include "imap/client/response_parser.h"

namespace sealmail::imap::client {

struct Endpoint {
  bool implicit_tls = true;  // imaps://; imap:// means STARTTLS, which is then required
  std::string host;
  uint16_t port = 993;
  std::string user;  // percent-decoded
};

// "imaps://user@host[:port]" or "imap://user@host[:port]" (user percent-encoded: "me%40example.org").
Result<Endpoint> parse_source_url(std::string_view url);

struct ClientOptions {
  std::string ca_file;  // trust these certificates (PEM) instead of the system's
  std::chrono::seconds timeout{120};
  ParserLimits limits;
};

class Client {
 public:
  static Result<std::unique_ptr<Client>> connect(const Endpoint& endpoint, const ClientOptions& options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Errc::wrong_password when the server refuses the credentials.
  Status login(std::string_view user, const crypto::SecretBuffer& password);
  bool has_capability(std::string_view name) const;

  using Handler = std::function<Status(Response&)>;
  // Sends "<tag> <text>\r\n" and hands each untagged response to `on_untagged` until the tagged
  // one; a NO or BAD is an error holding the command's first word and the server's text.
  // Returns the tagged OK's text.
  Result<std::string> command(std::string_view text, const Handler& on_untagged = {});
  void logout();

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A string argument: quoted when that is possible, else nullopt (the caller needs a literal).
std::optional<std::string> quote(std::string_view s);

}  // namespace sealmail::imap::client

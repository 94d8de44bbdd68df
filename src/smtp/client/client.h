// The SMTP client (RFC 5321) that forwards mail to other servers: one session to one address of one
// host, from connect to QUIT, with an outcome for every recipient.
//
//   connect (timeout) → 220 → EHLO (HELO if EHLO is not recognised) → STARTTLS when offered
//   (RFC 3207; opportunistic by default as RFC 7435 allows for MX hosts) → EHLO again → MAIL FROM
//   with SIZE=, BODY=8BITMIME, SMTPUTF8 when offered and needed → RCPT TO per recipient →
//   DATA (dot-stuffed, CRLF-normalised: message_data.h) → QUIT. With PIPELINING (RFC 2920), MAIL,
//   the RCPTs and DATA go in one write.
//
// Rules this module keeps:
// - Outcomes are values, never exceptions: 2xx delivered, 4xx and every local failure (refused,
//   timeout, lost connection, bad TLS) temporary, 5xx permanent.
// - A failure before MAIL FROM (connection, greeting, EHLO, TLS) sets try_another_host: nothing was
//   said about the recipients, so the caller tries the next MX. So does a connection lost before the
//   final dot. After the dot without an answer the outcome is temporary but no other host is tried
//   (the message may have arrived: RFC 1047).
// - An opportunistic TLS handshake that fails is retried once on a new connection without TLS
//   (RFC 7435 §4: fall back to cleartext rather than not deliver), unless certificates are verified.
// - Replies may name addresses: they are returned to the caller and never logged here.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smtp/client/reply.h"

namespace sealmail::smtp::client {

namespace asio = boost::asio;

enum class TlsPolicy {
  none,           // never STARTTLS
  opportunistic,  // STARTTLS when offered; cleartext otherwise or when the handshake fails
  required,       // no TLS, no mail (temporary failure)
};

struct ClientOptions {
  std::string helo_name = "localhost";
  TlsPolicy tls = TlsPolicy::opportunistic;
  // Check the certificate against the system trust store and the host name. Off by default for
  // MX hosts (RFC 7435: unauthenticated encryption beats cleartext); a failed check is temporary.
  bool verify_certificate = false;
  // Extra PEM file of trusted CAs (tests, private relays); empty: the system store only.
  std::string ca_file;
  bool pipelining = true;  // only used when the server announces it
  std::chrono::seconds connect_timeout{20};
  // Each reply before DATA, the 354, and the greeting. Shorter than RFC 5321 §4.5.3.2's 5 minutes
  // because our own sender is waiting for its answer during this session.
  std::chrono::seconds command_timeout{60};
  std::chrono::seconds data_timeout{180};  // writing the message, and its final reply
};

enum class Outcome { delivered, temporary, permanent };

struct RecipientResult {
  Outcome outcome = Outcome::temporary;
  Reply reply;  // the server's, or one we made up (local_reply) when it gave none
};

struct SessionResult {
  std::vector<RecipientResult> recipients;  // one per recipient, in the order given
  bool try_another_host = false;
  bool tls = false;  // the message went over TLS
  // Over TLS: the certificate verified for the host name (PKIX, or DANE's TLSA match). Without
  // enforcement it is only checked when Security::check_certificate asks (MTA-STS testing).
  bool certificate_verified = false;
};

// A TLSA record (RFC 6698 §2.1) as DANE (RFC 7672) uses it: usage 2 (DANE-TA) or 3 (DANE-EE),
// selector 0 (certificate) or 1 (public key), matching 0 (whole), 1 (SHA-256) or 2 (SHA-512).
struct Tlsa {
  uint8_t usage = 3, selector = 1, matching = 1;
  std::vector<unsigned char> data;
};

// What one destination demands of the session, beyond the client's options: MTA-STS's enforce
// mode (TLS required, certificate verified for the MX name) or DANE (TLS required, the
// certificate matches one of the TLSA records: OpenSSL's DANE, RFC 7672 §3). With either, a
// failed handshake is never retried in cleartext.
struct Security {
  std::optional<TlsPolicy> tls;            // overrides ClientOptions::tls
  std::optional<bool> verify_certificate;  // overrides ClientOptions::verify_certificate
  std::vector<Tlsa> tlsa;                  // non-empty: DANE
  // With DANE, the names the certificate may carry (DANE-TA), the first being the TLSA base
  // domain, also sent as SNI (RFC 7672 §3.2.2, §8.1); empty: the server name alone.
  std::vector<std::string> dane_names;
  // Check the certificate as verify_certificate would, but only report the result
  // (SessionResult::certificate_verified) and go on either way: MTA-STS testing mode (RFC 8461 §5).
  bool check_certificate = false;
};

// An open connection to one host after EHLO (and STARTTLS), for one message after another
// (connection reuse): RSET before every transaction but the first. Made by Client::open.
class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // One transaction: MAIL, RCPTs, DATA. Results as Client::send's.
  asio::awaitable<SessionResult> send(std::string mail_from, std::vector<std::string> recipients,
                                      std::shared_ptr<const std::string> message);
  // QUIT (its answer waited for briefly), then the connection is closed.
  asio::awaitable<void> quit();
  // The connection is alive and the last transaction ended with a reply: another may follow.
  bool reusable() const;
  bool tls() const;
  size_t messages() const;  // transactions started on it

  struct State;
  explicit Session(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

struct OpenResult {
  std::unique_ptr<Session> session;  // null: failure says why, for every recipient
  SessionResult failure;
  bool tls_handshake_failed = false;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  const ClientOptions& options() const { return options_; }

  // One session on the calling coroutine's executor. `server_name` is the host's name (MX target)
  // for SNI and certificate checks; `message` is the message as received. The Client must outlive
  // the call.
  asio::awaitable<SessionResult> send(asio::ip::tcp::endpoint endpoint, std::string server_name, std::string mail_from,
                                      std::vector<std::string> recipients, std::shared_ptr<const std::string> message,
                                      Security security = {}) const;

  // Connects, reads the greeting, says EHLO and starts TLS as `security` and the options say.
  // Failures are values (`failure` with try_another_host set). The Client must outlive the
  // Session. `recipients` only sizes the failure's per-recipient results.
  asio::awaitable<OpenResult> open(asio::ip::tcp::endpoint endpoint, std::string server_name, Security security,
                                   size_t recipients, bool allow_tls = true) const;
  // The policy in force under `security`.
  TlsPolicy tls_policy(const Security& security) const;
  bool verifies(const Security& security) const;

 private:
  ClientOptions options_;
  std::shared_ptr<asio::ssl::context> tls_;
};

}  // namespace sealmail::smtp::client

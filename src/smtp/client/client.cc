#include "smtp/client/client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "core/connection.h"
#include "smtp/client/extensions.h"
#include "smtp/client/message_data.h"

namespace sealmail::smtp::client {

using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace {

constexpr std::chrono::seconds kQuitTimeout{5};

Outcome outcome_of(const Reply& r) {
  if (r.positive()) return Outcome::delivered;
  return r.permanent() ? Outcome::permanent : Outcome::temporary;
}

std::shared_ptr<asio::ssl::context> make_client_context(const ClientOptions& options) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  ErrorCode ec;
  SSL_CTX_dane_enable(ctx->native_handle());  // per connection only when TLSA records are given
  ctx->set_default_verify_paths(ec);          // a machine without a CA store can still encrypt
  if (!options.ca_file.empty()) ctx->load_verify_file(options.ca_file, ec);
  return ctx;
}

asio::awaitable<ErrorCode> connect_with_timeout(tcp::socket& socket, tcp::endpoint endpoint,
                                                std::chrono::steady_clock::duration timeout) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(timeout);
  auto connecting = socket.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
  auto waiting = timer.async_wait(asio::as_tuple(asio::use_awaitable));
  auto race = std::move(connecting) || std::move(waiting);
  auto first = co_await std::move(race);
  if (first.index() == 1) co_return asio::error::timed_out;
  co_return std::get<0>(std::get<0>(first));
}

// One connection's reading and writing: replies come back whole, failures as a reply we make up.
class Wire {
 public:
  explicit Wire(std::shared_ptr<net::Connection> conn) : conn_(std::move(conn)) {}
  ~Wire() { conn_->close(); }

  asio::awaitable<bool> write(std::string_view data, std::chrono::steady_clock::duration timeout) {
    auto ec = co_await conn_->write(data, timeout);
    if (ec) {
      failure_ = failure_reply(ec);
      broken_ = true;
    }
    co_return !ec;
  }

  asio::awaitable<std::optional<Reply>> read(std::chrono::steady_clock::duration timeout) {
    for (;;) {
      Reply reply;
      size_t used = 0;
      switch (ReplyParser::parse(buffer_, reply, used)) {
        case ReplyParser::Status::complete:
          buffer_.erase(0, used);
          co_return reply;
        case ReplyParser::Status::error:
          failure_ = local_reply(451, "4.5.0 the forward target does not speak SMTP");
          broken_ = true;
          co_return std::nullopt;
        case ReplyParser::Status::need_more:
          break;
      }
      auto ec = co_await conn_->read_some(buffer_, timeout);
      if (ec) {
        failure_ = failure_reply(ec);
        broken_ = true;
        co_return std::nullopt;
      }
    }
  }

  // Replies the server sent before the TLS handshake must not be read as if they came after it
  // (RFC 3207 §4.2; the STARTTLS command injection of CVE-2011-0411).
  bool has_unread() const { return !buffer_.empty(); }
  net::Connection& connection() { return *conn_; }
  const Reply& failure() const { return failure_; }
  bool broken() const { return broken_; }
  void mark_broken() { broken_ = true; }

 private:
  static Reply failure_reply(const ErrorCode& ec) {
    if (ec == asio::error::timed_out) return local_reply(451, "4.4.2 timeout talking to the forward target");
    return local_reply(451, "4.4.2 connection to the forward target lost");
  }

  std::shared_ptr<net::Connection> conn_;
  std::string buffer_;
  Reply failure_ = local_reply(451, "4.4.2 connection to the forward target lost");
  bool broken_ = false;  // a read or write failed: the connection is not used again
};

// A host name to check a certificate against, or an address literal (no name to check).
bool is_ip_literal(const std::string& name) {
  boost::system::error_code ec;
  (void)asio::ip::make_address(name, ec);
  return !ec;
}

// RFC 7672 §3.1: DANE-EE(3) and DANE-TA(2) only; PKIX-TA(0)/PKIX-EE(1) are unusable for SMTP.
void prepare_dane(SSL* ssl, const std::string& server_name, const Security& security) {
  const auto& names = security.dane_names;
  SSL_dane_enable(ssl, names.empty() ? server_name.c_str() : names.front().c_str());
  for (size_t i = 1; i < names.size(); ++i) SSL_add1_host(ssl, names[i].c_str());
  const auto& records = security.tlsa;
  // §3.1.1: with DANE-EE the certificate's names are not checked (the key is pinned by DNSSEC).
  SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  for (const auto& t : records) SSL_dane_tlsa_add(ssl, t.usage, t.selector, t.matching, t.data.data(), t.data.size());
  // No usable record left means no match: OpenSSL then fails the verification, as it must.
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
}

}  // namespace

// One open connection (a Session's insides).
struct Session::State {
  std::unique_ptr<Wire> wire;
  Extensions ext;
  bool tls = false;
  bool verified = false;  // the peer's certificate verified (enforced, or checked only)
  size_t messages = 0;
  bool clean = true;  // the last transaction ended with a reply
  ClientOptions options;
};

Client::Client(ClientOptions options) : options_(std::move(options)), tls_(make_client_context(options_)) {}

TlsPolicy Client::tls_policy(const Security& security) const {
  if (!security.tlsa.empty()) return TlsPolicy::required;
  return security.tls.value_or(options_.tls);
}

bool Client::verifies(const Security& security) const {
  return !security.tlsa.empty() || security.verify_certificate.value_or(options_.verify_certificate);
}

asio::awaitable<SessionResult> Client::send(tcp::endpoint endpoint, std::string server_name, std::string mail_from,
                                            std::vector<std::string> recipients,
                                            std::shared_ptr<const std::string> message, Security security) const {
  const TlsPolicy policy = tls_policy(security);
  auto first = open(endpoint, server_name, security, recipients.size(), policy != TlsPolicy::none);
  OpenResult opened = co_await std::move(first);
  if (!opened.session && opened.tls_handshake_failed && policy == TlsPolicy::opportunistic && !verifies(security)) {
    auto again = open(endpoint, server_name, security, recipients.size(), false);
    opened = co_await std::move(again);
  }
  if (!opened.session) co_return std::move(opened.failure);
  auto sending = opened.session->send(std::move(mail_from), std::move(recipients), std::move(message));
  SessionResult result = co_await std::move(sending);
  if (opened.session->reusable()) {
    auto quitting = opened.session->quit();
    co_await std::move(quitting);
  }
  co_return result;
}

asio::awaitable<OpenResult> Client::open(tcp::endpoint endpoint, std::string server_name, Security security, size_t n,
                                         bool allow_tls) const {
  OpenResult out;
  auto& result = out.failure;
  // Every recipient has an outcome at every return: until a reply says otherwise, temporary.
  auto set_all = [&](Outcome o, const Reply& r) {
    result.recipients.assign(n, RecipientResult{o, r});
    result.try_another_host = true;  // nothing was said about the recipients
  };
  set_all(Outcome::temporary, local_reply(451, "4.4.1 no answer from the forward target"));
  const TlsPolicy policy = tls_policy(security);
  const bool verify = verifies(security);

  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  auto connecting = connect_with_timeout(socket, endpoint, options_.connect_timeout);
  ErrorCode ec = co_await std::move(connecting);
  if (ec) co_return out;

  auto wire = std::make_unique<Wire>(std::make_shared<net::Connection>(std::move(socket)));
  const auto command_timeout =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.command_timeout);

  // Greeting and EHLO: a failure here says nothing about the recipients; another host may do.
  auto greeting_read = wire->read(command_timeout);
  auto greeting = co_await std::move(greeting_read);
  if (!greeting) {
    set_all(Outcome::temporary, wire->failure());
    co_return out;
  }
  if (greeting->code != 220) {
    set_all(outcome_of(*greeting) == Outcome::permanent ? Outcome::permanent : Outcome::temporary, *greeting);
    co_return out;
  }

  Extensions ext;
  bool helo_only = false;
  std::string ehlo = "EHLO " + options_.helo_name + "\r\n";

  auto ehlo_write = wire->write(ehlo, command_timeout);
  if (!co_await std::move(ehlo_write)) {
    set_all(Outcome::temporary, wire->failure());
    co_return out;
  }
  auto ehlo_read = wire->read(command_timeout);
  auto ehlo_reply = co_await std::move(ehlo_read);
  if (!ehlo_reply) {
    set_all(Outcome::temporary, wire->failure());
    co_return out;
  }
  if (ehlo_reply->code == 500 || ehlo_reply->code == 502) {
    // RFC 5321 §3.2: a server that does not know EHLO still knows HELO.
    helo_only = true;
    std::string helo = "HELO " + options_.helo_name + "\r\n";
    auto helo_write = wire->write(helo, command_timeout);
    if (!co_await std::move(helo_write)) {
      set_all(Outcome::temporary, wire->failure());
      co_return out;
    }
    auto helo_read = wire->read(command_timeout);
    ehlo_reply = co_await std::move(helo_read);
    if (!ehlo_reply) {
      set_all(Outcome::temporary, wire->failure());
      co_return out;
    }
  }
  if (ehlo_reply->code != 250) {
    set_all(outcome_of(*ehlo_reply), *ehlo_reply);
    co_return out;
  }
  if (!helo_only) ext = parse_extensions(*ehlo_reply);

  bool tls = false, verified = false;
  if (allow_tls && ext.starttls) {
    auto starttls_write = wire->write("STARTTLS\r\n", command_timeout);
    if (!co_await std::move(starttls_write)) {
      set_all(Outcome::temporary, wire->failure());
      co_return out;
    }
    auto starttls_read = wire->read(command_timeout);
    auto go = co_await std::move(starttls_read);
    if (!go) {
      set_all(Outcome::temporary, wire->failure());
      co_return out;
    }
    if (go->code == 220) {
      if (wire->has_unread()) {
        // Counts as a failed handshake: under the opportunistic policy the retry is in cleartext,
        // where nothing injected before TLS can pass for a reply to what we send after it.
        out.tls_handshake_failed = true;
        set_all(Outcome::temporary, local_reply(451, "4.7.5 the forward target sent data before TLS"));
        co_return out;
      }
      std::function<void(SSL*)> prepare;
      // With DANE, OpenSSL's DANE check replaces the PKIX one (prepare_dane turns verification on).
      const bool pkix = verify && security.tlsa.empty();
      const bool check_only = !verify && security.check_certificate && !is_ip_literal(server_name);
      SSL* handle = nullptr;
      if (!security.tlsa.empty()) {
        prepare = [&server_name, &security](SSL* ssl) { prepare_dane(ssl, server_name, security); };
      } else if (check_only) {
        // SSL_VERIFY_NONE (set for an unverified handshake) still verifies the chain and, with
        // the host set here, the name; it only does not stop the handshake. The result is read
        // after it (SSL_get_verify_result).
        prepare = [&server_name, &handle](SSL* ssl) {
          handle = ssl;
          X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
          X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
          X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
        };
      }
      const std::string& sni =
          security.tlsa.empty() || security.dane_names.empty() ? server_name : security.dane_names.front();
      auto handshake = wire->connection().start_tls_client(*tls_, sni, pkix, command_timeout, prepare);
      if (auto hec = co_await std::move(handshake)) {
        out.tls_handshake_failed = true;
        set_all(
            Outcome::temporary,
            local_reply(451, security.tlsa.empty() ? "4.7.5 TLS handshake with the forward target failed"
                                                   : "4.7.5 the forward target's certificate matches no TLSA record"));
        co_return out;
      }
      tls = true;
      verified = verify || (handle != nullptr && SSL_get_verify_result(handle) == X509_V_OK &&
                            SSL_get0_peer_certificate(handle) != nullptr);
      // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
      auto again_write = wire->write(ehlo, command_timeout);
      if (!co_await std::move(again_write)) {
        set_all(Outcome::temporary, wire->failure());
        co_return out;
      }
      auto again_read = wire->read(command_timeout);
      auto again = co_await std::move(again_read);
      if (!again || again->code != 250) {
        set_all(Outcome::temporary, again ? *again : wire->failure());
        co_return out;
      }
      ext = parse_extensions(*again);
    }
  }
  if (policy == TlsPolicy::required && !tls) {
    set_all(Outcome::temporary,
            local_reply(451, security.tlsa.empty() ? "4.7.10 the forward target offers no TLS"
                                                   : "4.7.5 DANE: the forward target offers no TLS"));
    co_return out;
  }
  auto state = std::make_unique<Session::State>();
  state->wire = std::move(wire);
  state->ext = ext;
  state->tls = tls;
  state->verified = verified;
  state->options = options_;
  out.session = std::make_unique<Session>(std::move(state));
  co_return out;
}

Session::Session(std::unique_ptr<State> state) : state_(std::move(state)) {}
Session::~Session() = default;

bool Session::reusable() const { return state_->clean && !state_->wire->broken(); }
bool Session::tls() const { return state_->tls; }
size_t Session::messages() const { return state_->messages; }

asio::awaitable<void> Session::quit() {
  // RFC 5321 §4.1.1.10: say goodbye; the answer does not change anything.
  if (!state_->wire->broken()) {
    auto quit_write = state_->wire->write("QUIT\r\n", kQuitTimeout);
    if (co_await std::move(quit_write)) {
      auto quit_read = state_->wire->read(kQuitTimeout);
      co_await std::move(quit_read);
    }
  }
  state_->wire->mark_broken();
}

asio::awaitable<SessionResult> Session::send(std::string mail_from, std::vector<std::string> recipients,
                                             std::shared_ptr<const std::string> message_ptr) {
  SessionResult result;
  result.tls = state_->tls;
  result.certificate_verified = state_->tls && state_->verified;
  const size_t n = recipients.size();
  auto set_all = [&](Outcome o, const Reply& r, bool try_next) {
    result.recipients.assign(n, RecipientResult{o, r});
    result.try_another_host = try_next;
  };
  set_all(Outcome::temporary, local_reply(451, "4.4.1 no answer from the forward target"), true);
  Wire& wire = *state_->wire;
  const Extensions& ext = state_->ext;
  const auto command_timeout =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(state_->options.command_timeout);
  const auto data_timeout =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(state_->options.data_timeout);
  if (wire.broken()) co_return result;
  state_->clean = false;

  // A reused connection: RSET first (RFC 5321 §4.1.1.5), so that nothing of the last transaction
  // lingers. A failure here says nothing about these recipients.
  if (state_->messages > 0) {
    auto rset_write = wire.write("RSET\r\n", command_timeout);
    if (!co_await std::move(rset_write)) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return result;
    }
    auto rset_read = wire.read(command_timeout);
    auto rset = co_await std::move(rset_read);
    if (!rset || rset->code != 250) {
      wire.mark_broken();
      set_all(Outcome::temporary, rset ? *rset : wire.failure(), true);
      co_return result;
    }
  }
  ++state_->messages;

  // From here on the server judges this message: its answers are final for this attempt.
  const std::string& message = *message_ptr;
  bool utf8_envelope = needs_smtputf8(mail_from, recipients);
  if (utf8_envelope && !ext.smtputf8) {
    set_all(Outcome::permanent, local_reply(553, "5.6.7 the forward target does not accept UTF-8 addresses"), false);
    state_->clean = true;
    co_return result;
  }
  if (ext.size && ext.max_size > 0 && message.size() > ext.max_size) {
    set_all(Outcome::permanent, local_reply(552, "5.3.4 message too big for the forward target"), false);
    state_->clean = true;
    co_return result;
  }

  std::string mail = "MAIL FROM:<" + mail_from + ">";
  if (ext.size) mail += " SIZE=" + std::to_string(message.size());
  if (ext.eightbitmime && has_8bit(message)) mail += " BODY=8BITMIME";
  if (ext.smtputf8 && (utf8_envelope || headers_have_8bit(message))) mail += " SMTPUTF8";
  mail += "\r\n";
  std::vector<std::string> rcpts;
  rcpts.reserve(n);
  for (const auto& r : recipients) rcpts.push_back("RCPT TO:<" + r + ">\r\n");

  const bool pipelined = ext.pipelining && state_->options.pipelining;
  std::vector<bool> accepted(n, false);
  size_t accepted_count = 0;
  std::optional<Reply> data_reply;

  if (pipelined) {
    // RFC 2920 §3.1: MAIL, every RCPT and DATA in one group; the replies come back in order.
    std::string batch = mail;
    for (const auto& r : rcpts) batch += r;
    batch += "DATA\r\n";
    auto batch_write = wire.write(batch, command_timeout);
    if (!co_await std::move(batch_write)) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return result;
    }
  } else {
    auto mail_write = wire.write(mail, command_timeout);
    if (!co_await std::move(mail_write)) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return result;
    }
  }
  auto mail_read = wire.read(command_timeout);
  auto mail_reply = co_await std::move(mail_read);
  if (!mail_reply) {
    set_all(Outcome::temporary, wire.failure(), true);
    co_return result;
  }
  bool mail_ok = mail_reply->positive();
  if (!mail_ok) set_all(outcome_of(*mail_reply), *mail_reply, false);

  for (size_t i = 0; i < n; ++i) {
    if (!pipelined) {
      if (!mail_ok) break;
      auto rcpt_write = wire.write(rcpts[i], command_timeout);
      if (!co_await std::move(rcpt_write)) {
        set_all(Outcome::temporary, wire.failure(), true);
        co_return result;
      }
    }
    auto rcpt_read = wire.read(command_timeout);
    auto rcpt_reply = co_await std::move(rcpt_read);
    if (!rcpt_reply) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return result;
    }
    if (!mail_ok) continue;  // pipelined: the RCPT replies after a failed MAIL mean nothing
    result.recipients[i] = {outcome_of(*rcpt_reply), *rcpt_reply};
    if (rcpt_reply->positive()) {
      accepted[i] = true;
      ++accepted_count;
      // Until the message's final reply, an accepted recipient has no outcome yet.
      result.recipients[i] = {Outcome::temporary, local_reply(451, "4.4.2 connection to the forward target lost")};
    }
  }

  if (pipelined || (mail_ok && accepted_count > 0)) {
    if (!pipelined) {
      auto data_write = wire.write("DATA\r\n", command_timeout);
      if (!co_await std::move(data_write)) {
        result.try_another_host = true;
        co_return result;
      }
    }
    auto data_read = wire.read(command_timeout);
    data_reply = co_await std::move(data_read);
    if (!data_reply) {
      result.try_another_host = accepted_count > 0;
      co_return result;
    }
  }
  result.try_another_host = false;

  if (data_reply && data_reply->code == 354) {
    if (!mail_ok || accepted_count == 0) {
      // RFC 2920 §3.1: DATA was accepted although nobody may receive: end it empty.
      auto dot_write = wire.write(".\r\n", command_timeout);
      if (co_await std::move(dot_write)) {
        auto dot_read = wire.read(command_timeout);
        co_await std::move(dot_read);
      }
    } else {
      std::string data = encode_data(message);
      auto body_write = wire.write(data, data_timeout);
      if (!co_await std::move(body_write)) {
        // The dot may not have left: nothing was accepted, another host may be tried.
        result.try_another_host = true;
        co_return result;
      }
      auto final_read = wire.read(data_timeout);
      auto final_reply = co_await std::move(final_read);
      Reply final = final_reply ? *final_reply : wire.failure();
      for (size_t i = 0; i < n; ++i)
        if (accepted[i]) result.recipients[i] = {outcome_of(final), final};
      if (!final_reply) co_return result;  // a dead connection
    }
  } else if (data_reply && mail_ok) {
    for (size_t i = 0; i < n; ++i)
      if (accepted[i]) result.recipients[i] = {outcome_of(*data_reply), *data_reply};
  }
  state_->clean = true;
  co_return result;
}

}  // namespace sealmail::smtp::client

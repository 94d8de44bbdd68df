#include "smtp/client/client.h"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "core/connection.h"
#include "smtp/client/extensions.h"
#include "smtp/client/message_data.h"

namespace sealmail::smtp::client {

using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

struct Client::Job {
  tcp::endpoint endpoint;
  std::string server_name;
  std::string mail_from;
  std::vector<std::string> recipients;
  std::shared_ptr<const std::string> message;
};

struct Client::Attempt {
  SessionResult result;
  bool tls_handshake_failed = false;
};

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
  ctx->set_default_verify_paths(ec);  // a machine without a CA store can still encrypt
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
    if (ec) failure_ = failure_reply(ec);
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
          co_return std::nullopt;
        case ReplyParser::Status::need_more:
          break;
      }
      auto ec = co_await conn_->read_some(buffer_, timeout);
      if (ec) {
        failure_ = failure_reply(ec);
        co_return std::nullopt;
      }
    }
  }

  // Replies the server sent before the TLS handshake must not be read as if they came after it
  // (RFC 3207 §4.2; the STARTTLS command injection of CVE-2011-0411).
  bool has_unread() const { return !buffer_.empty(); }
  net::Connection& connection() { return *conn_; }
  const Reply& failure() const { return failure_; }

 private:
  static Reply failure_reply(const ErrorCode& ec) {
    if (ec == asio::error::timed_out) return local_reply(451, "4.4.2 timeout talking to the forward target");
    return local_reply(451, "4.4.2 connection to the forward target lost");
  }

  std::shared_ptr<net::Connection> conn_;
  std::string buffer_;
  Reply failure_ = local_reply(451, "4.4.2 connection to the forward target lost");
};

}  // namespace

Client::Client(ClientOptions options) : options_(std::move(options)), tls_(make_client_context(options_)) {}

asio::awaitable<SessionResult> Client::send(tcp::endpoint endpoint, std::string server_name, std::string mail_from,
                                            std::vector<std::string> recipients,
                                            std::shared_ptr<const std::string> message) const {
  Job job{endpoint, std::move(server_name), std::move(mail_from), std::move(recipients), std::move(message)};
  bool use_tls = options_.tls != TlsPolicy::none;
  auto first = attempt(job, use_tls);
  Attempt a = co_await std::move(first);
  if (a.tls_handshake_failed && options_.tls == TlsPolicy::opportunistic && !options_.verify_certificate) {
    auto again = attempt(job, false);
    a = co_await std::move(again);
  }
  co_return std::move(a.result);
}

asio::awaitable<Client::Attempt> Client::attempt(const Job& job, bool allow_tls) const {
  Attempt out;
  auto& result = out.result;
  const size_t n = job.recipients.size();
  // Every recipient has an outcome at every return: until a reply says otherwise, temporary.
  auto set_all = [&](Outcome o, const Reply& r, bool try_next) {
    result.recipients.assign(n, RecipientResult{o, r});
    result.try_another_host = try_next;
  };
  set_all(Outcome::temporary, local_reply(451, "4.4.1 no answer from the forward target"), true);

  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  auto connecting = connect_with_timeout(socket, job.endpoint, options_.connect_timeout);
  ErrorCode ec = co_await std::move(connecting);
  if (ec) co_return out;

  Wire wire(std::make_shared<net::Connection>(std::move(socket)));
  const auto command_timeout =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.command_timeout);
  const auto data_timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.data_timeout);

  // Greeting and EHLO: a failure here says nothing about the recipients; another host may do.
  auto greeting_read = wire.read(command_timeout);
  auto greeting = co_await std::move(greeting_read);
  if (!greeting) {
    set_all(Outcome::temporary, wire.failure(), true);
    co_return out;
  }
  if (greeting->code != 220) {
    set_all(outcome_of(*greeting) == Outcome::permanent ? Outcome::permanent : Outcome::temporary, *greeting, true);
    co_return out;
  }

  Extensions ext;
  bool helo_only = false;
  std::string ehlo = "EHLO " + options_.helo_name + "\r\n";

  auto ehlo_write = wire.write(ehlo, command_timeout);
  if (!co_await std::move(ehlo_write)) {
    set_all(Outcome::temporary, wire.failure(), true);
    co_return out;
  }
  auto ehlo_read = wire.read(command_timeout);
  auto ehlo_reply = co_await std::move(ehlo_read);
  if (!ehlo_reply) {
    set_all(Outcome::temporary, wire.failure(), true);
    co_return out;
  }
  if (ehlo_reply->code == 500 || ehlo_reply->code == 502) {
    // RFC 5321 §3.2: a server that does not know EHLO still knows HELO.
    helo_only = true;
    std::string helo = "HELO " + options_.helo_name + "\r\n";
    auto helo_write = wire.write(helo, command_timeout);
    if (!co_await std::move(helo_write)) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return out;
    }
    auto helo_read = wire.read(command_timeout);
    ehlo_reply = co_await std::move(helo_read);
    if (!ehlo_reply) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return out;
    }
  }
  if (ehlo_reply->code != 250) {
    set_all(outcome_of(*ehlo_reply), *ehlo_reply, true);
    co_return out;
  }
  if (!helo_only) ext = parse_extensions(*ehlo_reply);

  if (allow_tls && ext.starttls) {
    auto starttls_write = wire.write("STARTTLS\r\n", command_timeout);
    if (!co_await std::move(starttls_write)) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return out;
    }
    auto starttls_read = wire.read(command_timeout);
    auto go = co_await std::move(starttls_read);
    if (!go) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return out;
    }
    if (go->code == 220) {
      if (wire.has_unread()) {
        // Counts as a failed handshake: under the opportunistic policy the retry is in cleartext,
        // where nothing injected before TLS can pass for a reply to what we send after it.
        out.tls_handshake_failed = true;
        set_all(Outcome::temporary, local_reply(451, "4.7.5 the forward target sent data before TLS"), true);
        co_return out;
      }
      auto handshake =
          wire.connection().start_tls_client(*tls_, job.server_name, options_.verify_certificate, command_timeout);
      if (auto hec = co_await std::move(handshake)) {
        out.tls_handshake_failed = true;
        set_all(Outcome::temporary, local_reply(451, "4.7.5 TLS handshake with the forward target failed"), true);
        co_return out;
      }
      result.tls = true;
      // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
      auto again_write = wire.write(ehlo, command_timeout);
      if (!co_await std::move(again_write)) {
        set_all(Outcome::temporary, wire.failure(), true);
        co_return out;
      }
      auto again_read = wire.read(command_timeout);
      auto again = co_await std::move(again_read);
      if (!again || again->code != 250) {
        set_all(Outcome::temporary, again ? *again : wire.failure(), true);
        co_return out;
      }
      ext = parse_extensions(*again);
    }
  }
  if (options_.tls == TlsPolicy::required && !result.tls) {
    set_all(Outcome::temporary, local_reply(451, "4.7.10 the forward target offers no TLS"), true);
    co_return out;
  }

  // From here on the server judges this message: its answers are final for this attempt.
  const std::string& message = *job.message;
  bool utf8_envelope = needs_smtputf8(job.mail_from, job.recipients);
  if (utf8_envelope && !ext.smtputf8) {
    set_all(Outcome::permanent, local_reply(553, "5.6.7 the forward target does not accept UTF-8 addresses"), false);
    auto bye = wire.write("QUIT\r\n", kQuitTimeout);
    co_await std::move(bye);
    co_return out;
  }
  if (ext.size && ext.max_size > 0 && message.size() > ext.max_size) {
    set_all(Outcome::permanent, local_reply(552, "5.3.4 message too big for the forward target"), false);
    auto bye = wire.write("QUIT\r\n", kQuitTimeout);
    co_await std::move(bye);
    co_return out;
  }

  std::string mail = "MAIL FROM:<" + job.mail_from + ">";
  if (ext.size) mail += " SIZE=" + std::to_string(message.size());
  if (ext.eightbitmime && has_8bit(message)) mail += " BODY=8BITMIME";
  if (ext.smtputf8 && (utf8_envelope || headers_have_8bit(message))) mail += " SMTPUTF8";
  mail += "\r\n";
  std::vector<std::string> rcpts;
  rcpts.reserve(n);
  for (const auto& r : job.recipients) rcpts.push_back("RCPT TO:<" + r + ">\r\n");

  const bool pipelined = ext.pipelining && options_.pipelining;
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
      co_return out;
    }
  } else {
    auto mail_write = wire.write(mail, command_timeout);
    if (!co_await std::move(mail_write)) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return out;
    }
  }
  auto mail_read = wire.read(command_timeout);
  auto mail_reply = co_await std::move(mail_read);
  if (!mail_reply) {
    set_all(Outcome::temporary, wire.failure(), true);
    co_return out;
  }
  bool mail_ok = mail_reply->positive();
  if (!mail_ok) set_all(outcome_of(*mail_reply), *mail_reply, false);

  for (size_t i = 0; i < n; ++i) {
    if (!pipelined) {
      if (!mail_ok) break;
      auto rcpt_write = wire.write(rcpts[i], command_timeout);
      if (!co_await std::move(rcpt_write)) {
        set_all(Outcome::temporary, wire.failure(), true);
        co_return out;
      }
    }
    auto rcpt_read = wire.read(command_timeout);
    auto rcpt_reply = co_await std::move(rcpt_read);
    if (!rcpt_reply) {
      set_all(Outcome::temporary, wire.failure(), true);
      co_return out;
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
        co_return out;
      }
    }
    auto data_read = wire.read(command_timeout);
    data_reply = co_await std::move(data_read);
    if (!data_reply) {
      result.try_another_host = accepted_count > 0;
      co_return out;
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
        co_return out;
      }
      auto final_read = wire.read(data_timeout);
      auto final_reply = co_await std::move(final_read);
      Reply final = final_reply ? *final_reply : wire.failure();
      for (size_t i = 0; i < n; ++i)
        if (accepted[i]) result.recipients[i] = {outcome_of(final), final};
      if (!final_reply) co_return out;  // no QUIT on a dead connection
    }
  } else if (data_reply && mail_ok) {
    for (size_t i = 0; i < n; ++i)
      if (accepted[i]) result.recipients[i] = {outcome_of(*data_reply), *data_reply};
  }

  // RFC 5321 §4.1.1.10: say goodbye; the answer does not change anything.
  auto quit_write = wire.write("QUIT\r\n", kQuitTimeout);
  if (co_await std::move(quit_write)) {
    auto quit_read = wire.read(kQuitTimeout);
    co_await std::move(quit_read);
  }
  co_return out;
}

}  // namespace sealmail::smtp::client

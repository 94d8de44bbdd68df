// One SMTP connection (RFC 5321 §3, §4.1.4 command order): reads command lines through the
// protocol's LineReader, answers each, and reads message bodies (DATA or BDAT chunks) with the
// protocol's readers, which keep the size cap. Answers to pipelined commands (RFC 2920) are
// gathered and written when the client's bytes run out.
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <optional>
#include <string>

#include "core/connection.h"
#include "smtp/protocol/bdat_reader.h"
#include "smtp/protocol/command.h"
#include "smtp/protocol/line_reader.h"
#include "smtp/server/server.h"

namespace sealmail::smtp {

namespace asio = boost::asio;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<ServerContext> context, std::shared_ptr<net::Connection> connection);
  asio::awaitable<void> run();

 private:
  // The mail transaction (RFC 5321 §3.3): from MAIL to the end of the message, or RSET.
  struct Transaction {
    Envelope envelope;
    uint64_t declared_size = 0;
    uint32_t accepted_rcpts = 0;  // RCPT commands answered 250, repeats included
    bool bdat_failed = false;     // a BDAT of this transaction was refused: the rest are too
  };

  const ServerOptions& options() const { return context_->options; }
  void say(int code, std::string_view enhanced, std::string_view text);
  asio::awaitable<bool> flush();
  // Reads more bytes into in_; false when the client is gone or timed out (421 was written).
  asio::awaitable<bool> read_more();
  asio::awaitable<void> dispatch(Command& command);
  void bad(const ParseError& error);
  void helo(Command& command);
  asio::awaitable<void> mail(Command& command);
  asio::awaitable<void> rcpt(Command& command);
  asio::awaitable<void> data();
  asio::awaitable<void> bdat(Command& command);
  asio::awaitable<void> starttls();
  // Submission's AUTH (session_auth.cc): PLAIN and LOGIN over TLS.
  asio::awaitable<void> auth(Command& command);
  // One line of a SASL exchange, on the heap (it may be a password); none when the client went
  // away or sent a line over the limit (answered).
  asio::awaitable<std::optional<std::string>> read_sasl_line();
  // Hands the complete message to the Delivery and answers.
  asio::awaitable<void> finish_message(std::string message);
  void reset_transaction() {
    transaction_.reset();
    bdat_.reset();
  }

  std::shared_ptr<ServerContext> context_;
  std::shared_ptr<net::Connection> connection_;
  LineReader lines_;
  BdatReader bdat_;
  std::string in_, out_;
  std::string helo_;  // empty until HELO/EHLO
  bool esmtp_ = false;
  std::string authenticated_;         // submission: the alias after a successful AUTH
  std::shared_ptr<void> login_hold_;  // what the Authenticator keeps open for this login
  std::optional<Transaction> transaction_;
  int errors_ = 0;
  bool closing_ = false;
  bool discarding_line_ = false;  // after a line over the limit, up to its end
};

}  // namespace sealmail::smtp

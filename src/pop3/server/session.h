// One POP3 connection (RFC 1939 §3 states): reads commands through the protocol parser, checks
// each against the command table, runs its handler, and writes the answers, gathering those of
// pipelined commands (RFC 2449 §6.6) into one write.
//
// The session state is a sum type carrying only what is valid in it (STYLE.md rule 5):
//   Authorization: the user name given by USER, waiting for PASS;
//   Transaction:   the alias, its open mailbox, the maildrop and its lock.
// The UPDATE state lasts only as long as QUIT's handler (update.h), after which the session ends.
#pragma once

#include <boost/asio.hpp>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "core/connection.h"
#include "crypto/secret.h"
#include "directory/types.h"
#include "pop3/protocol/capabilities.h"
#include "pop3/protocol/parser.h"
#include "pop3/protocol/response.h"
#include "pop3/server/maildrop.h"
#include "pop3/server/maildrop_lock.h"
#include "pop3/server/server.h"
#include "store/mailbox.h"

namespace sealmail::pop3 {

namespace asio = boost::asio;

// RFC 1939 §4, the AUTHORIZATION state.
struct Authorization {
  std::optional<std::string> user;  // set by USER, used by the next PASS
};
// RFC 1939 §5, the TRANSACTION state: the client is logged in.
struct Transaction {
  directory::Alias alias;
  std::shared_ptr<store::Mailbox> mailbox;
  Maildrop maildrop;
  MaildropLocks::Lock lock;
};

// The variant's index, for the command table.
enum class StateKind { authorization = 0, transaction = 1 };

// Thrown by handlers for answers that end a command early (STYLE.md rule 6); the session turns it
// into "-ERR [code] text". `close` ends the session after the answer.
struct CommandError {
  std::string text;
  RespCode code = RespCode::none;
  bool close = false;
};
[[noreturn]] void refuse(std::string text, RespCode code = RespCode::none);
// Maps a store or directory error to -ERR with the RFC 3206 code it deserves, and logs the
// unexpected ones (never with names or addresses).
[[noreturn]] void fail(const sealmail::Error& error);

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<ServerContext> context, std::shared_ptr<net::Connection> connection);
  ~Session();

  asio::awaitable<void> run();

  // --- For command handlers ---
  ServerContext& context() { return *context_; }
  const ServerOptions& options() const { return context_->options; }
  net::Connection& connection() { return *connection_; }
  Parser& parser() { return parser_; }

  StateKind state() const { return static_cast<StateKind>(state_.index()); }
  Authorization& authorization() { return std::get<Authorization>(state_); }
  Transaction& transaction() { return std::get<Transaction>(state_); }
  const Transaction& transaction() const { return std::get<Transaction>(state_); }
  // After a successful login: holds the mailbox and the maildrop lock, and listens for a
  // password change (which ends the session, removing nothing).
  void logged_in(Transaction transaction);

  // Answer bytes waiting to be written.
  std::string& out() { return out_; }
  // Writes what is waiting; false when the client is gone.
  asio::awaitable<bool> flush();
  // Ends the session once the current command is answered (QUIT, a failed STLS).
  void close_after_command() { closing_ = true; }

  // Runs blocking work (SQLite, Argon2id) on the worker pool.
  template <typename F>
  asio::awaitable<std::invoke_result_t<F>> blocking(F fn) {
    auto work = context_->runtime.blocking(std::move(fn));
    co_return co_await std::move(work);
  }

  // The stored bytes of message `number` (valid, not deleted) for RETR and TOP, read ahead of the
  // client where it can be (retrieval.cc).
  asio::awaitable<sealmail::Result<std::string>> fetch_message(uint32_t number);
  struct ReadAhead;

  // A SASL response line (RFC 5034 §4) after a "+ " challenge was written; none when the client
  // went away. Throws CommandError when the line is over the limit.
  asio::awaitable<std::optional<std::string>> read_sasl_line();

  // USER/PASS and AUTH are allowed on this connection now (RFC 2595 §2).
  bool login_allowed() const;
  bool tls_active() const { return connection_->tls(); }
  // STLS: the TLS handshake, after "+OK" was written; false when it failed.
  asio::awaitable<bool> start_tls();

  // What CAPA announces in the current state (RFC 2449 §5).
  Capabilities capabilities() const;

  // RFC 6856 §2: set by the UTF8 command; UTF-8 user names and passwords are accepted.
  bool utf8 = false;

 private:
  asio::awaitable<void> dispatch(Command& command);
  Parser::Event next_event();
  // retrieval.cc: moves pipelined commands from the parser to `lookahead_` (TRANSACTION state
  // only); the messages worth reading after message `number`, within `budget` bytes (`pipelined`:
  // some because the client asked for them already); starting a
  // read, starting the reads ahead, the read of a UID, taking the reads done; bytes held.
  void pull_pipelined();
  std::vector<const MaildropMessage*> next_wanted(uint32_t number, uint64_t budget, bool& pipelined);
  void start_read(std::vector<const MaildropMessage*> messages);
  void read_ahead(uint32_t number);
  std::shared_ptr<ReadAhead> reading(uint32_t uid) const;
  void take_finished_reads();
  uint64_t held_bytes() const;
  void answer_parse_error(const ParseError& error);
  void note_error();
  void end();

  std::shared_ptr<ServerContext> context_;
  std::shared_ptr<net::Connection> connection_;
  Parser parser_;
  std::deque<Parser::Event> lookahead_;           // commands taken from the parser, not yet run
  std::map<uint32_t, std::string> fetched_;       // messages read ahead of the client, by UID
  std::deque<std::shared_ptr<ReadAhead>> reads_;  // reads on the worker pool, oldest first
  std::variant<Authorization, Transaction> state_;
  std::string out_;
  std::string in_;  // bytes read, before they are fed to the parser (may hold a password)
  int errors_in_a_row_ = 0;
  int closer_token_ = 0;
  bool closing_ = false;
  bool revoked_ = false;  // the password changed or the alias went away
};

}  // namespace sealmail::pop3

// One IMAP connection (RFC 9051 §3 states): reads commands through the protocol receiver, runs
// them from the command table, writes responses, and reports changes made elsewhere.
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/connection.h"
#include "directory/types.h"
#include "imap/protocol/receiver.h"
#include "imap/server/selected.h"
#include "imap/server/server.h"
#include "store/mailbox.h"

namespace sealmail::imap {

namespace asio = boost::asio;

enum class SessionState { not_authenticated, authenticated, selected, logout };

// Thrown by handlers for answers that end a command early (STYLE.md rule 6): the session turns
// it into "tag BAD ..." or "tag NO [code] ...".
struct CommandError {
  enum class Kind { bad, no } kind;
  std::string code;  // response code without brackets, or empty
  std::string text;
};
[[noreturn]] void bad(std::string text);
[[noreturn]] void no(std::string code, std::string text);
// Maps a store or directory error to NO with the response code RFC 5530 gives it, and logs
// internal errors (never with names or addresses).
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
  Receiver& receiver() { return receiver_; }
  SessionState state() const { return state_; }
  void set_state(SessionState s) { state_ = s; }

  // Response bytes waiting to be written.
  std::string& out() { return out_; }
  void untagged(std::string_view line);  // "* line\r\n"
  // Writes what is waiting; false when the client is gone (the session then ends).
  asio::awaitable<bool> flush();

  // Runs blocking work (SQLite, Argon2id) on the worker pool.
  template <typename F>
  asio::awaitable<std::invoke_result_t<F>> blocking(F fn) {
    auto work = context_->runtime.blocking(std::move(fn));
    co_return co_await std::move(work);
  }

  // After a successful login: holds the alias and its open mailbox, listens for its changes.
  void logged_in(directory::Alias alias, std::shared_ptr<store::Mailbox> mailbox);
  const directory::Alias& alias() const { return alias_; }
  store::Mailbox& mailbox() { return *mailbox_; }
  std::shared_ptr<store::Mailbox> mailbox_ptr() { return mailbox_; }

  std::optional<SelectedFolder>& selected() { return selected_; }
  void select(SelectedFolder folder);
  void unselect();

  // Extensions the client turned on (ENABLE, or implied: CONDSTORE by a MODSEQ fetch).
  bool utf8 = false;       // UTF8=ACCEPT: names and strings in UTF-8
  bool condstore = false;  // MODSEQ in FETCH responses, HIGHESTMODSEQ in SELECT
  bool qresync = false;    // VANISHED instead of EXPUNGE
  bool imap4rev2 = false;
  // A CONDSTORE-enabling command (RFC 7162 §3.1: MODSEQ in FETCH or SEARCH, CHANGEDSINCE,
  // UNCHANGEDSINCE): turns it on and, in the selected state, reports HIGHESTMODSEQ once.
  void enable_condstore();
  // SEARCHRES (RFC 5182): the UIDs saved by SEARCH RETURN (SAVE), for "$".
  std::vector<uint32_t> saved_search;

  // Mailbox names: wire form (modified UTF-7, or UTF-8 under UTF8=ACCEPT) <-> the store's.
  std::string folder_from_wire(const std::string& name) const;
  std::string folder_to_wire(std::string_view name) const;
  // A string as the session's encoding allows it (quoted or literal).
  std::string string(std::string_view value) const;

  // Reports what others changed in the selected folder since the last report: EXISTS, flag
  // changes, and (when `allow_expunge`) EXPUNGE or VANISHED. Appends to out().
  asio::awaitable<void> report_changes(bool allow_expunge);

  // Keywords the client has been told about in FLAGS; a new one makes a fresh FLAGS response.
  void note_keywords(const store::Flags& flags);
  std::string flags_response() const;
  std::set<std::string>& known_keywords() { return known_keywords_; }
  void flush_expunges();

  // IDLE (RFC 2177): reports changes as they happen until the client sends DONE.
  asio::awaitable<void> idle(const std::string& tag);

  bool changes_pending() const { return changes_pending_; }

  // Ends the session after the current command (LOGOUT, or BYE for a closed mailbox).
  void close_after_command() { closing_ = true; }

  // STARTTLS/COMPRESS change the stream between commands.
  asio::awaitable<bool> start_tls();
  bool tls_active() const { return connection_->tls(); }
  bool login_allowed() const;  // LOGINDISABLED until TLS, unless plaintext is allowed here

  // Failed commands in a row (BAD), for the disconnect rule.
  int bad_count = 0;

 private:
  asio::awaitable<void> dispatch(Command& command);
  asio::awaitable<void> answer_error(const Error& error);
  void on_change();  // from the store's writer thread
  void logout_cleanup();

  std::shared_ptr<ServerContext> context_;
  std::shared_ptr<net::Connection> connection_;
  Receiver receiver_;
  SessionState state_ = SessionState::not_authenticated;
  std::string out_;
  std::string in_;  // bytes read, before they are fed to the receiver

  directory::Alias alias_;
  std::shared_ptr<store::Mailbox> mailbox_;
  int listener_token_ = 0;
  int closer_token_ = 0;
  std::optional<SelectedFolder> selected_;
  std::set<std::string> known_keywords_;

  // Set (on the session's strand) when the store reported a change not yet looked at.
  bool changes_pending_ = false;
  bool idling_ = false;
  asio::steady_timer wake_;  // cancelled to wake IDLE's notifier
  bool closing_ = false;
  std::chrono::steady_clock::time_point login_deadline_;
  bool revoked_ = false;  // the password changed or the alias went away: BYE
};

}  // namespace sealmail::imap

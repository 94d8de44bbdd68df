// The seam between the SMTP server and what becomes of the mail it accepts (DESIGN.md "Layout"):
// the server parses, checks limits and collects the message; an implementation of Delivery
// (delivery::Router, wired in by `serve`) decides per recipient whether the address is ours and
// stores, seals, forwards or posts the message. src/smtp never includes src/delivery.
//
// Rules an implementation keeps:
// - deliver() answers 2xx only when every copy is durable or handed on (mailbox commit, spool
//   fsync, a forward target's 250, a webhook's 2xx): the server says 250 on its word.
// - Replies never carry addresses or message content back into logs; the server logs only codes.
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <string>
#include <vector>

#include "smtp/protocol/command.h"

namespace sealmail::smtp {

struct Reply {
  int code = 250;
  std::string enhanced;  // RFC 3463 "2.1.5"
  std::string text;
  bool positive() const { return code >= 200 && code < 400; }
};

struct Envelope {
  std::string mail_from;                     // "" for the null reverse-path (bounces)
  std::vector<std::string> recipients;       // as accepted by RCPT, each once
  std::vector<RcptParams> recipient_params;  // beside `recipients`: the first RCPT's NOTIFY/ORCPT
  MailParams params;
  std::string client_ip;
  std::string helo;
  bool tls = false;
  // Submission (RFC 6409): the alias the client logged in as (AUTH), as the directory spells it;
  // "" on the MX, where nobody logs in.
  std::string authenticated;
};

class Delivery {
 public:
  virtual ~Delivery() = default;
  // MAIL FROM (after the server's own checks): may this reverse-path start a transaction? The MX
  // takes any; submission refuses a sender the login may not use (RFC 6409 §6.1).
  virtual boost::asio::awaitable<Reply> check_sender(const Envelope& /*envelope*/) {
    co_return Reply{250, "2.1.0", "Ok"};
  }
  // RCPT TO: may `address` receive a message of `declared_size` bytes (SIZE=, or 0)? `envelope`
  // is the transaction so far (sender, recipients already accepted, the authenticated alias); it
  // outlives the call.
  virtual boost::asio::awaitable<Reply> check_recipient(const Envelope& envelope, std::string address,
                                                        uint64_t declared_size) = 0;
  // The accepted message. `message` is byte-exact as received (after dot-unstuffing); `trace` is
  // the Received header this server adds in front of it (RFC 5321 §4.4). Kept apart so that a
  // retried message has the same fingerprint although its trace header carries a new date.
  virtual boost::asio::awaitable<Reply> deliver(Envelope envelope, std::shared_ptr<const std::string> message,
                                                std::string trace) = 0;
};

}  // namespace sealmail::smtp

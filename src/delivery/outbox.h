// The seam between submission (a user's "Send") and the durable outbound queue (DESIGN.md point 7):
// the submission side checks the sender, completes and signs the message, delivers to our own
// recipients itself, and hands the rest here; the queue makes it durable and delivers it to the
// recipients' servers, retrying for five days. Two halves built apart, joined only by this class.
//
// Rules an implementation keeps:
// - enqueue() succeeds only once the message is durable (written, fsynced, encrypted under the
//   queue key): the submission server answers 250 on its word, and that 250 survives kill -9.
// - Nothing here is logged with addresses or content; the queue id is what logs and the CLI name.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace sealmail::delivery {

struct OutgoingRecipient {
  std::string address;  // a remote address, as accepted by RCPT TO
  std::string notify;   // RFC 3461 NOTIFY= as given ("" when absent: failure only)
  std::string orcpt;    // RFC 3461 ORCPT= as given, or ""
};

struct OutgoingMessage {
  std::string mail_from;     // the envelope sender; "" for the null reverse-path (a DSN)
  std::string sender_alias;  // the authenticated alias it was submitted by ("" for the server's own DSNs)
  std::vector<OutgoingRecipient> recipients;
  bool smtputf8 = false;                       // MAIL FROM had SMTPUTF8: the next hop must offer it
  bool eight_bit = false;                      // BODY=8BITMIME (or BINARYMIME) was declared
  std::string ret;                             // RFC 3461 RET= (FULL or HDRS), or ""
  std::string envid;                           // RFC 3461 ENVID=, or ""
  std::shared_ptr<const std::string> message;  // the final bytes: with Message-ID, Date, DKIM-Signature
};

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Makes `message` durable and schedules its delivery; returns the queue id.
  virtual boost::asio::awaitable<Result<std::string>> enqueue(OutgoingMessage message) = 0;
};

}  // namespace sealmail::delivery

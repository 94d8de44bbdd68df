// Submission's Delivery (RFC 6409, issue 8): what becomes of a message a logged-in user sends
// through the `submission`/`submissions` listeners. In order:
//   1. the envelope sender (at MAIL) and every From address (after DATA) must be ones the alias
//      may send as (submission_policy.h), else 550 5.7.1; a message needs exactly one From field (RFC 5322
//      §3.6), else 550 5.6.0;
//   2. per alias and hour, at most [submission] messages_per_hour messages and
//      recipients_per_hour recipients (450 4.7.1 past them, at RCPT for recipients and at the
//      end of DATA for messages);
//   3. Date and Message-ID are added when missing (RFC 6409 §8);
//   4. the message is signed with the From domain's DKIM keys, Ed25519 (RFC 8463) and RSA
//      (RFC 6376), when the domain has them (data_dir/dkim/<domain>/<selector>{e,r}.pem);
//   5. recipients in domains we host get it through the MX's Router (the same store, spool,
//      forwards and quota checks as mail from outside); the others are handed to the Outbox (the
//      durable queue) in one message;
//   6. with [submission] save_sent_copies, a copy goes into the sender's Sent folder, \Seen.
// 250 only once every local copy is durable and the Outbox has the rest (outbox.h's promise).
// No Received header with the client's address leaves for the outside (privacy: the user's IP is
// nobody's business); local copies carry the trace like any delivery.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/runtime.h"
#include "delivery/outbox.h"
#include "directory/directory.h"
#include "directory/rate_limiter.h"
#include "smtp/outbound/dkim_signer.h"
#include "smtp/server/delivery.h"
#include "store/registry.h"

namespace sealmail::delivery {

struct SubmitterParts {
  std::shared_ptr<directory::Directory> directory;
  std::shared_ptr<smtp::Delivery> local;             // the Router: our own domains' recipients
  std::shared_ptr<Outbox> outbox;                    // null: remote recipients get 451 4.3.2
  std::shared_ptr<directory::RateLimiter> limiter;   // shared with the other limits of serve
  std::shared_ptr<store::MailboxRegistry> registry;  // Sent copies go to open mailboxes only
};

struct SubmitterOptions {
  std::filesystem::path data_dir;
  uint32_t messages_per_hour = 300;
  uint32_t recipients_per_hour = 1000;
  bool save_sent_copies = false;
};

class Submitter final : public smtp::Delivery {
 public:
  Submitter(net::Runtime& runtime, SubmitterParts parts, SubmitterOptions options);

  // The envelope sender at MAIL (550 5.7.1 when the login may not use it), so that a client
  // learns before it sends the message; deliver() checks it again with the From field.
  boost::asio::awaitable<smtp::Reply> check_sender(const smtp::Envelope& envelope) override;
  boost::asio::awaitable<smtp::Reply> check_recipient(const smtp::Envelope& envelope, std::string address,
                                                      uint64_t declared_size) override;
  boost::asio::awaitable<smtp::Reply> deliver(smtp::Envelope envelope, std::shared_ptr<const std::string> message,
                                              std::string trace) override;

 private:
  struct Prepared;
  // Blocking (directory, key files): on the worker pool.
  Result<bool> hosted_blocking(const std::string& address);
  Result<Prepared> prepare_blocking(const smtp::Envelope& envelope, const std::string& message);
  // The signers of `domain` (none when it has no keys), loaded once per selector.
  std::vector<std::shared_ptr<const smtp::outbound::DkimSigner>> signers_blocking(const std::string& domain);
  void save_sent_blocking(const directory::Alias& alias, const std::string& message);

  net::Runtime& runtime_;
  SubmitterParts parts_;
  SubmitterOptions options_;
  std::mutex signers_mutex_;
  // domain -> (selector, signers); reloaded when the domain's selector changes.
  std::map<std::string, std::pair<std::string, std::vector<std::shared_ptr<const smtp::outbound::DkimSigner>>>>
      signers_;
};

}  // namespace sealmail::delivery

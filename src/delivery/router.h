// Routing per alias (issue 6, DESIGN.md points 3 and 4): the Delivery behind the MX. For each
// accepted recipient it looks the alias up in the directory and
//   - stores the message in the alias's mailbox: straight into INBOX when a session of the owner
//     holds it open (the key is in memory; IDLE sessions see EXISTS at once), otherwise sealed to
//     the alias's public key in its spool (store/spool.h), which only the owner's login opens;
//   - forwards it to each target address, with the envelope sender rewritten by SRS, during this
//     SMTP transaction and never via disk;
//   - posts it to each webhook URL;
//   - and passes bounces to our SRS addresses back to the original sender.
//
// Rules it keeps:
// - 250 only when every copy is durable or handed on. A temporary failure of any copy answers
//   4xx; copies that succeeded are remembered by fingerprint (sent_memory.h) so that the
//   sender's retry does not duplicate them. A copy refused for good answers its 5xx (there is no
//   bounce queue: the refusal is how the sender learns of it).
// - Quota (RCPT and again at the end of DATA): quota/usage.h, against the limits of the alias, its
//   domain and its account (each counting every mailbox it covers, spools included). A mailbox
//   whose owner is away is never opened: its size is the hint it left when it last closed.
// - Content protections (filters/content_filter.h) run on the message in memory before any copy
//   is made: a refusal answers for the whole message; phishing may send a mailbox's copy to Junk.
// - The junk classifier (filters/spam_filter.h) scores the clear text too; each mailbox's copy is
//   filed by its alias's threshold, with the owner's own training when the mailbox is open.
// - OpenPGP (issue 9, pgp/message_encryption.h): every copy for an alias with a key (stored, in the
//   mailbox or the spool; forwarded; posted to a webhook) is the message as PGP/MIME encrypted to
//   that key, unless it came encrypted. Drafts never pass here (IMAP APPEND stores them as given).
// - Screening (screening/screener.h): at RCPT, once the recipient is ours, DNS blocklists and
//   greylisting; at DATA, after the content protections, blocklists that send to Junk and rspamd.
// - Logs hold outcome counts and redacted addresses only.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/runtime.h"
#include "delivery/auth/inbound_auth.h"
#include "delivery/filters/content_filter.h"
#include "delivery/filters/spam_filter.h"
#include "delivery/forwarder.h"
#include "delivery/screening/screener.h"
#include "delivery/sent_memory.h"
#include "delivery/srs.h"
#include "delivery/webhook.h"
#include "directory/directory.h"
#include "quota/ledger.h"
#include "quota/usage.h"
#include "smtp/server/delivery.h"
#include "store/registry.h"
#include "store/spool.h"

namespace sealmail::delivery {

struct RouterOptions {
  std::filesystem::path data_dir;
  std::string webhook_secret;  // HMAC key of the X-Sealmail-Signature header
  std::chrono::seconds remember_for{std::chrono::hours(24 * 5)};
  auth::AuthSwitches authentication;  // which checks run; DMARC reject/quarantine acted on
  // Hosted domains (lower-case) whose mail is not checked: a message is only left unchecked when
  // every recipient is in one of them.
  std::vector<std::string> authentication_off_domains;
};

struct RouterParts {
  std::shared_ptr<directory::Directory> directory;
  std::shared_ptr<store::MailboxRegistry> registry;
  std::shared_ptr<store::Spool> spool;
  std::shared_ptr<Forwarder> forwarder;            // null: forward targets get 451 (none configured)
  std::shared_ptr<WebhookSender> webhooks;         // null: webhooks get 451
  std::shared_ptr<Srs> srs;                        // null: senders are not rewritten, no bounces come back
  std::shared_ptr<filters::ContentFilter> filter;  // null: no content protections (issue 9)
  std::shared_ptr<filters::SpamFilter> spam;       // null: no junk classifier (issue 9)
  // Issue 9: SPF, DKIM, ARC and DMARC of inbound mail (null: no checks, no Authentication-Results).
  std::shared_ptr<auth::Authenticator> authenticator;
  // Issue 9: DNS blocklists and greylisting at RCPT, rspamd at DATA (null: none).
  std::shared_ptr<screening::Screener> screener;
  // Copies already made, by fingerprint (null: the Router keeps its own). serve's SIGHUP builds a
  // new Router with the new settings and hands it the old one's memory, so a sender's retry after
  // a reload still does not duplicate the copies that went out before it.
  std::shared_ptr<SentMemory> memory;
  // Running quota counters (quota/ledger.h); null: usage is measured at each check (quota::Meter).
  std::shared_ptr<quota::Ledger> quota_ledger;
};

class Router : public smtp::Delivery {
 public:
  Router(net::Runtime& runtime, RouterParts parts, RouterOptions options);

  boost::asio::awaitable<smtp::Reply> check_recipient(const smtp::Envelope& envelope, std::string address,
                                                      uint64_t declared_size) override;
  boost::asio::awaitable<smtp::Reply> deliver(smtp::Envelope envelope, std::shared_ptr<const std::string> message,
                                              std::string trace) override;
  std::shared_ptr<SentMemory> memory() const { return memory_; }

 private:
  struct Plan;
  struct JunkCheck;
  enum class Outcome { delivered, temporary, permanent };
  struct Copy {
    Outcome outcome;
    smtp::Reply reply;
  };
  // Blocking (directory, file sizes): on the worker pool.
  std::string with_domain(const std::string& address);
  // `accepted`, when given, receives the alias of an accepted recipient (for the screening).
  smtp::Reply check_blocking(const std::string& address, uint64_t declared_size,
                             std::optional<directory::Alias>* accepted = nullptr);
  Result<Plan> plan_blocking(const smtp::Envelope& envelope);
  // Bytes held now against each limit of `alias` (its mailboxes and spools).
  Result<quota::Usage> usage_blocking(const directory::Alias& alias);
  // `junk` (may be null): the classifier's inputs; the copy gets its X-Sealmail-Spam header at
  // `header_end`, scored with the owner's training too when the mailbox is open.
  Copy store_blocking(const directory::Alias& alias, const std::string& bytes, const std::string& folder,
                      const JunkCheck* junk, size_t header_end);
  // The classifier on the server's model (null when it is off for every recipient).
  std::shared_ptr<JunkCheck> junk_check_blocking(const std::vector<directory::Alias>& recipients,
                                                 const std::string& message, std::optional<smtp::Reply>& refuse);
  // Our ARC set for a forwarded copy (empty when the forwarding domain has no DKIM key).
  std::string arc_set_blocking(const std::string& domain, const std::string& message, const auth::AuthVerdict& verdict);

  net::Runtime& runtime_;
  RouterParts parts_;
  RouterOptions options_;
  // Keyed by a fingerprint of the reverse-path and the message as received (without our trace
  // header, whose date differs from one attempt to the next).
  std::shared_ptr<SentMemory> memory_;
};

}  // namespace sealmail::delivery

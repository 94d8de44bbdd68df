// Submission's logins (RFC 4954 AUTH on the `submission` and `submissions` listeners): the
// smtp::Authenticator that `serve` wires in, over the same directory, login cache and failed-login
// throttle as IMAP and POP3, so that a password guessed over one protocol counts against the
// address (and the client IP) over all of them.
//
// Answers: 235 2.7.0 on success; 535 5.7.8 for a wrong password or an unknown address (alike,
// RFC 4954 §6); 454 4.7.0 while the address or IP is locked out, or when the directory fails.
#pragma once

#include <filesystem>
#include <memory>

#include "core/runtime.h"
#include "directory/directory.h"
#include "directory/login_cache.h"
#include "directory/rate_limiter.h"
#include "smtp/server/authenticator.h"
#include "store/registry.h"

namespace sealmail::delivery {

class SubmissionAuthenticator final : public smtp::Authenticator {
 public:
  SubmissionAuthenticator(net::Runtime& runtime, std::shared_ptr<directory::Directory> directory,
                          std::shared_ptr<directory::LoginCache> logins,
                          std::shared_ptr<directory::LoginThrottle> throttle);
  // With sent copies on ([submission] save_sent_copies): a login also opens the alias's mailbox,
  // as an IMAP login does, and the session holds it so that the Submitter can append to Sent.
  void open_mailboxes(std::shared_ptr<store::MailboxRegistry> registry, std::filesystem::path data_dir) {
    registry_ = std::move(registry);
    data_dir_ = std::move(data_dir);
  }

  boost::asio::awaitable<smtp::AuthVerdict> authenticate(std::string user, const std::string& password,
                                                         std::string client_ip) override;

 private:
  net::Runtime& runtime_;
  std::shared_ptr<directory::Directory> directory_;
  std::shared_ptr<directory::LoginCache> logins_;
  std::shared_ptr<directory::LoginThrottle> throttle_;
  std::shared_ptr<store::MailboxRegistry> registry_;
  std::filesystem::path data_dir_;
};

}  // namespace sealmail::delivery

// The seam between submission's AUTH (RFC 4954) and the directory that knows the passwords: the
// session decodes the SASL exchange and asks an Authenticator, which `serve` wires to the
// directory, the login cache and the shared failed-login throttle (src/delivery). src/smtp never
// includes src/directory.
//
// Rules an implementation keeps:
// - The password is read from the caller's string before the first suspension and copied into
//   locked memory; the caller wipes its string when authenticate() returns.
// - A wrong password and an unknown address are answered alike (535 5.7.8), and both count
//   against the address and the client IP.
// - Nothing is logged but the redacted address and the client IP.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "smtp/server/delivery.h"

namespace sealmail::smtp {

struct AuthVerdict {
  Reply reply;        // 235 2.7.0 on success; 535 5.7.8, 454 4.7.0 (locked out, server trouble)
  std::string alias;  // on success: the alias address as the directory spells it
  // On success, held by the session until it ends: whatever the login keeps open for it (the
  // sender's mailbox, when sent copies are saved). Opaque here.
  std::shared_ptr<void> hold;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // `user` is the full alias address; `password` is read before the coroutine first suspends.
  virtual boost::asio::awaitable<AuthVerdict> authenticate(std::string user, const std::string& password,
                                                           std::string client_ip) = 0;
};

}  // namespace sealmail::smtp

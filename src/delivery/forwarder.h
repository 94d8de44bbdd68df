// Forwarding a message to other mail servers during our sender's SMTP transaction (DESIGN.md point
// 3): the message stays in memory, and the answer our SMTP server gives its client comes from what
// the targets said, so nothing waits in a queue on disk.
//
// How: targets are grouped by domain; each domain gets its MX hosts (RFC 5321 §5.1) and one SMTP
// session with all of its recipients, the domains in parallel (with a relay configured, one
// session to the relay carries every target). A
// host that fails before the transaction (refused, timeout, 4xx/5xx greeting, TLS) hands over to
// the next address or MX, up to max_attempts per domain.
//
// The envelope sender: `mail_from` is used as given. The caller (delivery::Router) rewrites it with
// SRS (srs.h) first, because only the caller knows whether the sender is ours and whether the
// message is a bounce, and so that the same Forwarder serves relays that need no rewriting.
//
// What the caller gets back (ForwardOutcome):
// - delivered: every target accepted (now or on an earlier attempt remembered by fingerprint);
// - temporary (451): at least one target failed temporarily. Targets that accepted are remembered
//   in memory (SHA-256 of the message + target) for remember_for, so the sender's retry reaches only
//   the others;
// - permanent (5xx): no target failed temporarily and at least one refused for good. When others
//   accepted, we still answer 5xx: we keep no queue and send no DSN (RFC 3464), so the refusal
//   is the only way the sender learns that some copies did not arrive; the reply says "some", and
//   a retry would not duplicate the delivered copies.
// The reply is our own wording with the remote's enhanced status code (RFC 3463) at most: remote
// reply texts may name addresses and are never passed on or logged.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/runtime.h"
#include "delivery/mx_resolver.h"
#include "delivery/outcome.h"
#include "delivery/sent_memory.h"
#include "smtp/client/client.h"

namespace sealmail::delivery {

struct ForwardTimeouts {
  std::chrono::seconds connect{20};
  std::chrono::seconds command{60};
  std::chrono::seconds data{180};
  std::chrono::milliseconds dns{2000};  // per DNS query and try
};

struct ForwardOptions {
  std::string helo_name;
  std::optional<std::string> relay;      // "host:port", "[v6]:port" or "host": instead of MX lookup
  std::vector<std::string> dns_servers;  // "ip:port"; empty: /etc/resolv.conf
  uint16_t port = 25;                    // of MX hosts (tests use another one on 127.0.0.1)
  std::chrono::seconds remember_for{std::chrono::hours(24 * 5)};
  size_t remember_capacity = 100000;
  ForwardTimeouts timeouts;
  smtp::client::TlsPolicy tls = smtp::client::TlsPolicy::opportunistic;
  bool verify_certificate = false;
  std::string ca_file;
  // MX hosts on loopback/private addresses are refused unless allowed (address_policy.h); a
  // configured relay is always allowed.
  bool allow_private_addresses = false;
  size_t max_attempts = 5;  // connections per domain, over all its MX hosts and addresses
};

class Forwarder {
 public:
  Forwarder(net::Runtime& runtime, ForwardOptions options);

  // Runs on the calling coroutine's executor; the Forwarder must outlive the call.
  boost::asio::awaitable<ForwardOutcome> forward(std::string mail_from, std::vector<std::string> targets,
                                                 std::shared_ptr<const std::string> message);

  // Targets remembered as delivered (for tests and metrics).
  size_t remembered() { return memory_.size(); }

 private:
  struct Group;
  struct GroupResult;
  boost::asio::awaitable<GroupResult> deliver_group(Group group, std::string mail_from,
                                                    std::shared_ptr<const std::string> message) const;
  boost::asio::awaitable<MxResult> destinations(const std::string& domain) const;

  net::Runtime& runtime_;
  ForwardOptions options_;
  smtp::client::Client client_;
  MxResolver resolver_;
  SentMemory memory_;
};

}  // namespace sealmail::delivery

// Bounce classification, in the manner of the second seed's getBounceInfo: every failed delivery
// attempt gets an action (defer: try again later; reject: give up and tell the sender now) and a
// category that says why, from the reply code (RFC 5321 §4.2.1), the enhanced status code
// (RFC 3463) and the reply text.
//
// Rules this module keeps:
// - 4xx and network errors (no reply at all, or one we made up with a X.4.x code) defer; 5xx
//   reject; the seed's overrides defer a 5xx whose text says "try again later" or "temporarily
//   deferred", and any "mailbox full" failure (the owner may make room within the retry time).
// - A code that is not 4xx or 5xx (a server that answered a failure with 2xx/3xx is broken) is
//   not trusted to be final: defer.
// - Text matching is case-insensitive and on words real servers send (Gmail, Outlook, Yahoo,
//   Postfix, Exim); the enhanced code decides first where it is specific.
#pragma once

#include <string_view>

namespace sealmail::smtp::outbound {

enum class BounceAction { defer, reject };
enum class BounceCategory { full_mailbox, unknown_user, blocklist, spam, virus, network, policy, other };

// "defer" / "reject"; "full mailbox", "unknown user", "blocklist", "spam", "virus", "network",
// "policy", "other".
const char* to_string(BounceAction action);
const char* to_string(BounceCategory category);

struct Failure {
  int code = 0;               // the reply code; 0 when the peer never answered (network error)
  std::string_view enhanced;  // "5.1.1", or empty
  std::string_view text;      // the reply's lines joined by a space, each without its enhanced code
};

struct BounceInfo {
  BounceAction action;
  BounceCategory category;
};

BounceInfo classify(const Failure& failure);

}  // namespace sealmail::smtp::outbound

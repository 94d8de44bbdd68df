#include "smtp/outbound/bounce.h"

#include <initializer_list>
#include <string>

namespace sealmail::smtp::outbound {

namespace {

using Words = std::initializer_list<std::string_view>;

bool has_any(const std::string& text, Words words) {
  for (auto w : words)
    if (text.find(w) != std::string::npos) return true;
  return false;
}

// The subject and detail of an enhanced code ("5.1.1" -> "1.1"); empty when there is none.
std::string_view subject_detail(std::string_view enhanced) {
  return enhanced.size() >= 5 && enhanced[1] == '.' ? enhanced.substr(2) : std::string_view();
}

bool subject_is(std::string_view sd, char subject) { return sd.size() >= 3 && sd[0] == subject && sd[1] == '.'; }

// The order is from the most specific reason to the most general one: a virus reply often also
// says "policy", a full mailbox often also says "rejected".
BounceCategory category_of(const Failure& f, const std::string& text) {
  auto sd = subject_detail(f.enhanced);
  if (f.code == 0) return BounceCategory::network;
  if (has_any(text, {"virus", "malware", "infected", "trojan", "potential security issue", "dangerous content"}))
    return BounceCategory::virus;
  // RFC 3463: X.2.2 mailbox full.
  if (sd == "2.2" || has_any(text, {"mailbox full", "mailbox is full", "full mailbox", "over quota", "overquota",
                                    "quota exceeded", "exceeded storage", "insufficient storage", "out of storage",
                                    "mailbox size limit", "exceeds its quota", "exceeded its quota"}))
    return BounceCategory::full_mailbox;
  // Replies about our sender, not the recipient (Exim's sender verification, Postfix's restrictions).
  if (sd == "1.7" || sd == "1.8" || has_any(text, {"sender verify failed", "sender address rejected"}))
    return BounceCategory::policy;
  // X.1.1 bad mailbox, X.1.2 bad domain, X.1.3 bad syntax, X.1.6 moved, X.1.10 null MX (RFC 7505);
  // X.2.1 disabled mailbox. (X.1.7 and X.1.8, the sender, are handled above.)
  bool recipient_address = subject_is(sd, '1');
  if (recipient_address || sd == "2.1" ||
      has_any(text, {"user unknown",
                     "unknown user",
                     "no such user",
                     "no such recipient",
                     "unknown recipient",
                     "invalid recipient",
                     "recipient not found",
                     "recipientnotfound",
                     "user not found",
                     "address not found",
                     "does not exist",
                     "doesn't exist",
                     "doesn't have a",
                     "no mailbox",
                     "mailbox unavailable",
                     "unrouteable address",
                     "unroutable address",
                     "account is disabled",
                     "account has been disabled",
                     "mailbox not found",
                     "invalid mailbox"}))
    return BounceCategory::unknown_user;
  if (has_any(text, {"blocklist", "blacklist", "block list", "black list", "blocked using", "spamhaus", "spamcop",
                     "barracuda", "sorbs", "dnsbl", "banned sending ip", "listed at", "listed on", "listed in",
                     "poor reputation", "low reputation", "ip reputation"}))
    return BounceCategory::blocklist;
  if (has_any(text, {"spam", "unsolicited", "junk mail", "bulk mail", "phish"})) return BounceCategory::spam;
  if (subject_is(sd, '4') ||
      has_any(text, {"connection refused", "timed out", "timeout", "connection reset", "lost connection",
                     "connection lost", "name service error", "host not found", "domain name not found",
                     "no route to host", "network is unreachable"}))
    return BounceCategory::network;
  // X.7.x security or policy, X.3.4 message too big for the system.
  if (subject_is(sd, '7') || sd == "3.4" ||
      has_any(text, {"policy",        "not authorized", "unauthenticated", "authentication", "spf",          "dmarc",
                     "dkim",          "relay",          "rate limit",      "rate-limit",     "rate limited", "too many",
                     "sender verify", "not permitted",  "access denied",   "prohibit",       "greylist",     "graylist",
                     "message size",  "too big",        "too large"}))
    return BounceCategory::policy;
  return BounceCategory::other;
}

}  // namespace

const char* to_string(BounceAction action) { return action == BounceAction::defer ? "defer" : "reject"; }

const char* to_string(BounceCategory category) {
  switch (category) {
    case BounceCategory::full_mailbox:
      return "full mailbox";
    case BounceCategory::unknown_user:
      return "unknown user";
    case BounceCategory::blocklist:
      return "blocklist";
    case BounceCategory::spam:
      return "spam";
    case BounceCategory::virus:
      return "virus";
    case BounceCategory::network:
      return "network";
    case BounceCategory::policy:
      return "policy";
    case BounceCategory::other:
      return "other";
  }
  return "other";
}

BounceInfo classify(const Failure& failure) {
  std::string text(failure.text);
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  BounceInfo info{failure.code >= 500 && failure.code <= 599 ? BounceAction::reject : BounceAction::defer,
                  category_of(failure, text)};
  // The seed's overrides: the server says it is temporary whatever its code, and a full mailbox
  // may empty within the retry period.
  if (has_any(text, {"try again later", "temporarily deferred"})) info.action = BounceAction::defer;
  if (info.category == BounceCategory::full_mailbox) info.action = BounceAction::defer;
  return info;
}

}  // namespace sealmail::smtp::outbound

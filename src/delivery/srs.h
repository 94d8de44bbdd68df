// SRS, the Sender Rewriting Scheme (the libsrs2/postsrsd form; RFC 5321 §3.9 forwarding, and SPF's
// reason for it, RFC 7208 §10.1.1): when we forward a message, the envelope sender becomes an
// address of ours that encodes the original one, so that SPF at the target checks our domain and a
// bounce comes back to us, and we alone can turn it back into the original sender.
//
//   SRS0=HHHH=TT=orig-domain=orig-local@our-domain       rewriting an ordinary sender
//   SRS1=HHHH=hop-domain==HHHH=TT=orig-domain=orig-local@our-domain
//                                                        rewriting another forwarder's SRS0/SRS1
//
// HHHH: the first 4 characters of base64(HMAC-SHA256(secret, lowercased fields)), compared without
// regard to case on the way back (some MTAs lowercase local parts). TT: the day number (days since
// the epoch, modulo 1024) in two base32 characters; an address older than 21 days is refused, so a
// captured address cannot be used as an open relay for ever. The separator after "SRS0"/"SRS1" may
// be '=', '+' or '-' on input (libsrs2 accepts all three); we always write '='.
//
// Rules this class keeps: it is immutable after construction and safe from any thread; it never
// logs; the secret is wiped when the object goes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sealmail::delivery {

class Srs {
 public:
  static constexpr int kMaxAgeDays = 21;
  static constexpr size_t kHashLength = 4;

  Srs(std::string secret, std::string our_domain);
  ~Srs();
  Srs(const Srs&) = delete;
  Srs& operator=(const Srs&) = delete;

  // The address to use as envelope sender when forwarding mail from `sender`. The null sender ""
  // stays "" (bounces are never rewritten), and so does a sender already in our domain or one
  // without a domain (nothing to protect: SPF is checked against our domain anyway).
  std::string forward(std::string_view sender) const;
  std::string forward_at(std::string_view sender, std::chrono::system_clock::time_point now) const;

  // The original sender of a bounce sent to `address`, or nullopt when `address` is not one of
  // our SRS addresses, its hash is wrong or it has expired. For an SRS1 address the result is the
  // previous forwarder's SRS0 address (the bounce travels back hop by hop).
  std::optional<std::string> reverse(std::string_view address) const;
  std::optional<std::string> reverse_at(std::string_view address, std::chrono::system_clock::time_point now) const;

  // Whether `address` looks like an SRS address in our domain (no hash check): the router uses it
  // to tell "a bounce to a forwarded message" from an unknown recipient.
  bool is_srs(std::string_view address) const;

 private:
  std::string hash(std::initializer_list<std::string_view> fields) const;

  std::string secret_;
  std::string domain_;  // lowercased
};

}  // namespace sealmail::delivery

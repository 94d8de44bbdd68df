// DKIM signing (RFC 6376) with rsa-sha256 (RFC 8301: keys of 1024 bits at least; ours are 2048)
// and ed25519-sha256 (RFC 8463), canonicalization relaxed/relaxed, over OpenSSL 3.
//
// Rules this module keeps:
// - The From field must be there and is always signed (§5.4), and signed once more than it
//   occurs ("over-signing", §8.15), so that a From added on the way breaks the signature instead
//   of being shown to the reader beside a valid one. Other fields of the usual set are signed as
//   many times as they occur, the last occurrence first (§5.4.2).
// - The signature covers the message as the SMTP client will send it (dkim_canon.h).
// - The private key stays inside OpenSSL's EVP_PKEY; the PEM text we were given is not kept.
// - Errors name what is wrong with the key or the message, never their content.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace sealmail::smtp::outbound {

enum class DkimKeyType { rsa, ed25519 };

struct DkimOptions {
  // Lower-case names, in h= order. Fields absent from the message are left out.
  std::vector<std::string> headers = {"from",        "reply-to",     "subject",          "date",
                                      "to",          "cc",           "message-id",       "in-reply-to",
                                      "references",  "mime-version", "content-type",     "content-transfer-encoding",
                                      "sender",      "list-id",      "list-unsubscribe", "list-unsubscribe-post",
                                      "resent-date", "resent-from",  "resent-to",        "resent-cc"};
  // Names signed once more than they occur (must also be in `headers`).
  std::vector<std::string> oversign = {"from"};
};

class DkimSigner {
 public:
  // A PEM private key (PKCS#8 as `quickstart` writes it, or traditional RSA PEM) for `domain`
  // (d=, an A-label) and `selector` (s=).
  static Result<DkimSigner> from_pem(std::string_view pem, std::string domain, std::string selector,
                                     DkimOptions options = {});
  // The same from a file (the data directory's dkim/<domain>/<selector><r|e>.pem).
  static Result<DkimSigner> from_file(const std::filesystem::path& path, std::string domain, std::string selector,
                                      DkimOptions options = {});

  DkimKeyType key_type() const { return type_; }

  // The "DKIM-Signature: ...\r\n" field to put at the top of `message` (any line endings; see
  // dkim_canon.h), folded to lines of at most 78 characters, t= set to `unix_time`.
  Result<std::string> sign(std::string_view message, int64_t unix_time) const;

 private:
  DkimSigner(std::shared_ptr<EVP_PKEY> key, DkimKeyType type, std::string domain, std::string selector,
             DkimOptions options);

  std::shared_ptr<EVP_PKEY> key_;
  DkimKeyType type_;
  std::string domain_;
  std::string selector_;
  DkimOptions options_;
};

}  // namespace sealmail::smtp::outbound

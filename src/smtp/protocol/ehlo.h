// The EHLO reply (RFC 5321 §4.1.1.1): a greeting line, then one line per service extension the
// server offers. What each keyword promises:
//   PIPELINING (RFC 2920), SIZE n (RFC 1870 §4; "SIZE" alone when there is no fixed limit),
//   8BITMIME (RFC 6152), ENHANCEDSTATUSCODES (RFC 2034), SMTPUTF8 (RFC 6531), CHUNKING and
//   BINARYMIME (RFC 3030; BINARYMIME only with CHUNKING, §3), DSN (RFC 3461), STARTTLS (RFC 3207;
//   the server never offers it once TLS is up, §4.2), AUTH with the mechanisms given (RFC 4954;
//   PLAIN is RFC 4616, LOGIN the widespread draft-murchison-sasl-login).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sealmail::smtp {

struct EhloOptions {
  std::string hostname;
  uint64_t max_message_bytes;  // 0: no fixed limit
  bool starttls;
  std::string auth;  // SASL mechanisms offered ("PLAIN LOGIN"); "": no AUTH line
  bool chunking = true;
  bool smtputf8 = true;
};

// "250-host greets client\r\n250-PIPELINING\r\n...250 DSN\r\n" (the last line with a space).
// `client_domain` is the EHLO argument (already checked by parse_command); it is echoed only if
// it is printable ASCII, and left out otherwise.
std::string ehlo_reply(const EhloOptions& options, std::string_view client_domain);

}  // namespace sealmail::smtp

// The CAPA response (RFC 2449 §5): which capabilities sealmail announces, and when.
//
// Rules: RFC 2449 §5 asks that CAPA be answered in every state and that the list may change
// after authentication (USER, SASL and STLS make no sense once logged in; RFC 2595 §4 asks that
// STLS not be offered over TLS). RFC 2595 §2: clear-text passwords (USER/PASS, SASL PLAIN) are
// not to be accepted before the session is encrypted, so on a plain connection before STLS the
// server passes user = false and an empty mechanism list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::pop3 {

struct Capabilities {
  bool top = true;                      // RFC 2449 §6.1
  bool user = false;                    // RFC 2449 §6.2: USER/PASS accepted now
  std::vector<std::string> sasl;        // RFC 2449 §6.3 "SASL PLAIN ...": mechanisms accepted now
  bool resp_codes = true;               // RFC 2449 §6.4
  std::optional<uint32_t> login_delay;  // RFC 2449 §6.5, seconds
  bool pipelining = true;               // RFC 2449 §6.6
  // RFC 2449 §6.7 EXPIRE: "NEVER" or a number of days messages are kept after retrieval;
  // empty: not announced.
  std::string expire;
  bool uidl = true;            // RFC 2449 §6.8
  std::string implementation;  // RFC 2449 §6.9; empty: not announced (it helps attackers)
  bool stls = false;           // RFC 2595 §4: only on a plain connection before login
  bool auth_resp_code = true;  // RFC 3206: [AUTH] and [SYS/...] on failed logins
  bool utf8 = true;            // RFC 6856 §2
  bool utf8_user = false;      // "UTF8 USER": UTF-8 user names before the UTF8 command
};

// Appends "+OK ...\r\n", one line per capability and ".\r\n".
void append_capa(std::string& out, const Capabilities& caps);

}  // namespace sealmail::pop3

// The Received header the MX adds to each message it accepts (RFC 5321 §4.4, RFC 5322 §3.6.7),
// with the protocol names of RFC 3848 and RFC 6531 §3.7.3 (ESMTP, ESMTPS, UTF8SMTP, UTF8SMTPS).
// Privacy: no "for <recipient>" clause (an address in every stored copy tells who else got it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sealmail::smtp {

struct TraceInfo {
  std::string helo;       // as the client gave it (validated by the parser)
  std::string client_ip;  // "192.0.2.1" or "2001:db8::1"
  std::string hostname;   // ours
  bool esmtp = true;      // EHLO rather than HELO
  bool tls = false;
  bool utf8 = false;  // SMTPUTF8 was asked for in MAIL
  int64_t unix_time = 0;
};

// "Received: from helo ([ip])\r\n\tby host with ESMTPS; Mon, 23 Nov 2026 10:00:00 +0000\r\n"
std::string received_header(const TraceInfo& info);

}  // namespace sealmail::smtp

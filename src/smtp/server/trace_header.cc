#include "smtp/server/trace_header.h"

#include "core/time.h"

namespace sealmail::smtp {

std::string received_header(const TraceInfo& info) {
  std::string with = info.utf8 ? "UTF8SMTP" : (info.esmtp ? "ESMTP" : "SMTP");
  if (info.tls) with += "S";
  std::string out = "Received: from ";
  out += info.helo.empty() ? std::string("unknown") : info.helo;
  out += " ([";
  // RFC 5321 §4.1.3: IPv6 address literals carry the "IPv6:" tag.
  if (info.client_ip.find(':') != std::string::npos) out += "IPv6:";
  out += info.client_ip;
  out += "])\r\n\tby ";
  out += info.hostname;
  out += " with ";
  out += with;
  out += "; ";
  out += rfc5322_date(info.unix_time);
  out += "\r\n";
  return out;
}

}  // namespace sealmail::smtp

#include "smtp/server/trace_header.h"

#include <cstdio>
#include <ctime>

namespace sealmail::smtp {

std::string rfc5322_date(int64_t unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  // Names by hand: strftime's %a/%b follow the locale, RFC 5322 wants these English ones.
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

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

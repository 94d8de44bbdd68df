// rspamd over its HTTP protocol (issue 9, optional backend): the message and its envelope are
// POSTed to <url>/checkv2 with the envelope in request headers (IP, Helo, From, Rcpt, Hostname,
// User), and the JSON answer is read by rspamd_reply.h. libcurl, blocking: run on the worker pool,
// like clamd's scan.
//
// Rules kept: one time limit for the whole exchange; no redirects; the answer is read up to 1 MiB;
// a failure (no answer, a status other than 200, an answer that does not parse) is "unavailable",
// never "clean". The reason holds no address and no content.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "delivery/screening/rspamd_reply.h"

namespace sealmail::delivery::screening {

struct RspamdRequest {
  std::string client_ip, helo, mail_from, hostname, user;
  std::vector<std::string> recipients;
};

Result<RspamdVerdict> rspamd_check(const std::string& url, uint32_t timeout_ms, const RspamdRequest& request,
                                   std::string_view message);

}  // namespace sealmail::delivery::screening

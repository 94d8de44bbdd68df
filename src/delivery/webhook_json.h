// The JSON body of a webhook POST (webhook.h):
//   {"envelope": {"mail_from", "recipients": [...], "remote_ip", "helo"},
//    "headers": [[name, value], ...], "subject", "from", "to", "text", "html",
//    "attachments": [{"filename", "content_type", "size", "content" (base64)}], "raw_size"}
// Strings are UTF-8; bytes that are not valid UTF-8 become U+FFFD (JSON cannot carry them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealmail::delivery {

struct WebhookEnvelope {
  std::string mail_from;
  std::vector<std::string> recipients;
  std::string remote_ip;
  std::string helo;
};

std::string webhook_json(const WebhookEnvelope& envelope, std::string_view message);

}  // namespace sealmail::delivery

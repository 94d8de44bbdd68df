#include "delivery/webhook_json.h"

#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "mime/message_digest.h"

namespace sealmail::delivery {

std::string webhook_json(const WebhookEnvelope& envelope, std::string_view message) {
  mime::MessageDigest d = mime::digest(message);
  nlohmann::json j;
  j["envelope"] = {{"mail_from", envelope.mail_from},
                   {"recipients", envelope.recipients},
                   {"remote_ip", envelope.remote_ip},
                   {"helo", envelope.helo}};
  auto headers = nlohmann::json::array();
  for (auto& [name, value] : d.headers) headers.push_back({name, value});
  j["headers"] = std::move(headers);
  j["subject"] = d.subject;
  j["from"] = d.from;
  j["to"] = d.to;
  j["text"] = d.text;
  j["html"] = d.html;
  auto attachments = nlohmann::json::array();
  for (auto& a : d.attachments)
    attachments.push_back({{"filename", a.filename},
                           {"content_type", a.content_type},
                           {"size", a.content.size()},
                           {"content", sasl::base64_encode(a.content)}});
  j["attachments"] = std::move(attachments);
  j["raw_size"] = message.size();
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sealmail::delivery

#include "delivery/bounce_event.h"

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace sealmail::delivery {

std::string bounce_event_json(const QueueEntry& entry, const std::vector<size_t>& failed, std::string_view message_id,
                              int64_t now) {
  using nlohmann::json;
  json recipients = json::array();
  for (size_t i : failed) {
    if (i >= entry.recipients.size()) continue;
    const auto& r = entry.recipients[i];
    recipients.push_back({{"address", r.address},
                          {"action", r.action.empty() ? "reject" : r.action},
                          {"category", r.category.empty() ? "other" : r.category},
                          {"code", r.last_code},
                          {"enhanced", r.last_enhanced},
                          {"reply", r.last_reply},
                          {"host", r.last_host},
                          {"expired", r.action == "defer" || r.last_code < 500}});
  }
  json body = {{"type", "bounce"},
               {"queue_id", entry.id},
               {"message_id", std::string(message_id)},
               {"sender", entry.sender_alias.empty() ? entry.mail_from : entry.sender_alias},
               {"date", iso8601_utc(now)},
               {"queued_at", iso8601_utc(entry.queued_at)},
               {"recipients", std::move(recipients)}};
  // Remote replies may hold any bytes: replace what is not UTF-8 rather than throw.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace sealmail::delivery

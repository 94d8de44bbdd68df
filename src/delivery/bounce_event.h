// The JSON a bounce webhook receives (issue 8: "bounce webhooks for aliases that have them"): when
// recipients of a message an alias sent are given up (refused, or still deferred after five
// days), each URL of the alias's webhooks (the same URLs that receive its inbound mail; the
// X-Sealmail-Event header tells the two apart) gets one POST, signed as webhook.h describes, with
// X-Sealmail-Event: bounce and this body:
//   {"type": "bounce", "queue_id": "...", "message_id": "<...>", "sender": "alias@our.domain",
//    "date": "2026-11-23T10:00:00Z", "queued_at": "...",
//    "recipients": [{"address": "...", "action": "reject", "category": "unknown user",
//                    "code": 550, "enhanced": "5.1.1", "reply": "...", "host": "mx.far.test",
//                    "expired": false}]}
// The category is the bounce classification's (smtp/outbound/bounce.h); "expired" says the five
// days ran out on a deferral rather than a refusal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/queue_store.h"

namespace sealmail::delivery {

std::string bounce_event_json(const QueueEntry& entry, const std::vector<size_t>& failed, std::string_view message_id,
                              int64_t now);

}  // namespace sealmail::delivery

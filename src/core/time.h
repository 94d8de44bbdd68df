// Dates are stored as ISO 8601 UTC text ("2026-11-23T04:43:42Z", DESIGN.md point 1) so that
// comparisons in SQL are plain string comparisons.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sealmail {

// Seconds since the Unix epoch, UTC.
int64_t unix_now();
std::string iso8601_utc(int64_t unix_seconds);
std::optional<int64_t> parse_iso8601_utc(std::string_view text);
// RFC 5322 §3.3 date-time in UTC ("Mon, 23 Nov 2026 16:28:29 +0000"), for Date, Received and DSN fields.
std::string rfc5322_date(int64_t unix_seconds);

}  // namespace sealmail

// IMAP dates (response.h): date-time for APPEND and INTERNALDATE (RFC 9051 §9 date-time), and
// date for SEARCH (RFC 9051 §9 date). Proleptic Gregorian calendar, no time zone database.
#include <cstdio>

#include "imap/protocol/response.h"

namespace sealmail::imap {

namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Days since 1970-01-01 of a civil date (H. Hinnant's well-known algorithm, written from its
// published description).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

bool digits(std::string_view s, size_t pos, size_t n, unsigned* out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  *out = v;
  return true;
}

unsigned month_number(std::string_view s) {
  if (s.size() != 3) return 0;
  for (unsigned i = 0; i < 12; ++i) {
    bool same = true;
    for (size_t k = 0; k < 3; ++k) {
      char a = s[k], b = kMonths[i][k];
      if (a >= 'a' && a <= 'z') a = static_cast<char>(a - 'a' + 'A');
      if (b >= 'a' && b <= 'z') b = static_cast<char>(b - 'a' + 'A');
      if (a != b) same = false;
    }
    if (same) return i + 1;
  }
  return 0;
}

// "d-Mon-yyyy" / "dd-Mon-yyyy" / " d-Mon-yyyy" at the start of s; returns the bytes used, 0 if bad.
size_t parse_day_month_year(std::string_view s, bool allow_space, int64_t* y, unsigned* m, unsigned* d) {
  size_t pos = 0;
  if (allow_space && !s.empty() && s[0] == ' ') pos = 1;
  unsigned day = 0;
  if (digits(s, pos, 2, &day)) {
    if (pos == 1) return 0;  // " 12" is not a day
    pos += 2;
  } else if (digits(s, pos, 1, &day)) {
    pos += 1;
  } else {
    return 0;
  }
  if (pos >= s.size() || s[pos] != '-') return 0;
  unsigned month = month_number(s.substr(pos + 1, 3));
  pos += 4;
  if (month == 0 || pos >= s.size() || s[pos] != '-') return 0;
  unsigned year = 0;
  if (!digits(s, pos + 1, 4, &year)) return 0;
  pos += 5;
  if (year < 1900 || day < 1 || day > days_in_month(year, month)) return 0;
  *y = year;
  *m = month;
  *d = day;
  return pos;
}

}  // namespace

std::string format_internal_date(int64_t unix_seconds, int offset_minutes) {
  int64_t local = unix_seconds + static_cast<int64_t>(offset_minutes) * 60;
  int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  int64_t secs = local - days * 86400;
  int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, &y, &m, &d);
  int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%2u-%s-%04lld %02d:%02d:%02d %c%02d%02d\"", d, kMonths[m - 1],
                static_cast<long long>(y), static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

std::optional<int64_t> parse_date_time(std::string_view text) {
  // date-day-fixed "-" date-month "-" date-year SP time SP zone
  int64_t y = 0;
  unsigned m = 0, d = 0;
  size_t pos = parse_day_month_year(text, true, &y, &m, &d);
  if (pos == 0) return std::nullopt;
  unsigned hh = 0, mm = 0, ss = 0, zh = 0, zm = 0;
  if (text.size() != pos + 15 || text[pos] != ' ' || !digits(text, pos + 1, 2, &hh) || text[pos + 3] != ':' ||
      !digits(text, pos + 4, 2, &mm) || text[pos + 6] != ':' || !digits(text, pos + 7, 2, &ss) ||
      text[pos + 9] != ' ' || (text[pos + 10] != '+' && text[pos + 10] != '-') || !digits(text, pos + 11, 2, &zh) ||
      !digits(text, pos + 13, 2, &zm)) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 60 || zm > 59) return std::nullopt;
  if (ss == 60) ss = 59;  // a leap second: the closest representable time
  int64_t offset = (static_cast<int64_t>(zh) * 60 + zm) * 60;
  if (text[pos + 10] == '-') offset = -offset;
  return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss - offset;
}

std::optional<std::string> parse_date(std::string_view text) {
  int64_t y = 0;
  unsigned m = 0, d = 0;
  size_t pos = parse_day_month_year(text, false, &y, &m, &d);
  if (pos == 0 || pos != text.size()) return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", static_cast<unsigned>(y), m, d);
  return std::string(buf);
}

}  // namespace sealmail::imap

#include "smtp/protocol/line_reader.h"

#include <algorithm>
#include <cstring>

namespace sealmail::smtp {

LineReader::LineReader(size_t max_line) : max_line_(std::max(max_line, kMinLine)) {}

std::variant<LineReader::Line, LineReader::NeedMore, LineReader::TooLong> LineReader::next(
    std::string_view buffer) const {
  // The LF may be at most the max_line-th byte; looking no further makes the answer the same
  // however the bytes arrived.
  if (buffer.empty()) return NeedMore{};
  size_t window = std::min(buffer.size(), max_line_);
  if (const void* lf = std::memchr(buffer.data(), '\n', window)) {
    size_t length = static_cast<size_t>(static_cast<const char*>(lf) - buffer.data());
    std::string_view text = buffer.substr(0, length);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    return Line{length + 1, text};
  }
  if (buffer.size() < max_line_) return NeedMore{};
  // Over the limit: drop through the LF if it is already here, else all of it.
  size_t rest = buffer.size() - window;
  if (const void* lf = std::memchr(buffer.data() + window, '\n', rest))
    return TooLong{static_cast<size_t>(static_cast<const char*>(lf) - buffer.data()) + 1};
  return TooLong{buffer.size()};
}

}  // namespace sealmail::smtp

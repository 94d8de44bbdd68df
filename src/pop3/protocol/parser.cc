#include "pop3/protocol/parser.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace sealmail::pop3 {
namespace {

// Below this the AUTH prefix ("AUTH ", 5 bytes) could be cut by the limit, and whether a line may
// be long would depend on how the bytes were chunked.
constexpr size_t kMinLine = 16;

Limits normalize(Limits limits) {
  limits.max_line = std::max(limits.max_line, kMinLine);
  limits.max_auth_line = std::max(limits.max_auth_line, limits.max_line);
  return limits;
}

bool starts_with_auth(const char* p, size_t n) {
  constexpr std::string_view kAuth = "AUTH ";
  if (n < kAuth.size()) return false;
  for (size_t i = 0; i < kAuth.size(); ++i) {
    char c = p[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != kAuth[i]) return false;
  }
  return true;
}

}  // namespace

Parser::Parser(Limits limits) : limits_(normalize(limits)) {}

Parser::~Parser() { discard_buffered(); }

Parser::Parser(Parser&& other) noexcept
    : limits_(other.limits_),
      buf_(std::move(other.buf_)),
      pos_(std::exchange(other.pos_, 0)),
      scanned_(std::exchange(other.scanned_, 0)),
      failed_(other.failed_) {
  other.buf_.clear();
}

Parser& Parser::operator=(Parser&& other) noexcept {
  if (this != &other) {
    discard_buffered();
    limits_ = other.limits_;
    buf_ = std::move(other.buf_);
    other.buf_.clear();
    pos_ = std::exchange(other.pos_, 0);
    scanned_ = std::exchange(other.scanned_, 0);
    failed_ = other.failed_;
  }
  return *this;
}

void Parser::feed(std::string_view bytes) {
  if (failed_ || bytes.empty()) return;
  if (pos_ > 0) {
    // Move the partial line to the front. Consumed lines were overwritten when taken; the old
    // copy of the moved bytes (past the new end) is overwritten here.
    size_t rest = buf_.size() - pos_;
    std::memmove(buf_.data(), buf_.data() + pos_, rest);
    sasl::wipe_bytes(buf_.data() + rest, buf_.size() - rest);
    buf_.resize(rest);
    pos_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

Parser::Scan Parser::scan_line(size_t limit, size_t& length) {
  const char* start = buf_.data() + pos_;
  size_t avail = buf_.size() - pos_;
  // The line may use at most `limit` bytes including its LF, so the LF must lie in the first
  // `limit` bytes; looking no further makes the verdict independent of how much was fed.
  size_t window = std::min(avail, limit);
  if (scanned_ < window) {
    if (const void* lf = std::memchr(start + scanned_, '\n', window - scanned_)) {
      length = static_cast<size_t>(static_cast<const char*>(lf) - start);
      return Scan::line;
    }
    scanned_ = window;
  }
  return avail >= limit ? Scan::too_long : Scan::need_more;
}

std::string_view Parser::line_at(size_t length) const {
  std::string_view line(buf_.data() + pos_, length);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

void Parser::consume_line(size_t length) {
  sasl::wipe_bytes(buf_.data() + pos_, length + 1);
  pos_ += length + 1;
  scanned_ = 0;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
}

ParseError Parser::too_long() {
  if (!failed_) {
    failed_ = true;
    discard_buffered();
  }
  return ParseError{"line too long", true};
}

Parser::Event Parser::next() {
  if (failed_) return too_long();
  size_t limit = starts_with_auth(buf_.data() + pos_, buf_.size() - pos_) ? limits_.max_auth_line : limits_.max_line;
  size_t length = 0;
  switch (scan_line(limit, length)) {
    case Scan::need_more:
      return NeedMore{};
    case Scan::too_long:
      return too_long();
    case Scan::line:
      break;
  }
  auto parsed = parse_command(line_at(length));
  consume_line(length);
  if (auto* cmd = std::get_if<Command>(&parsed)) return std::move(*cmd);
  return std::get<ParseError>(std::move(parsed));
}

Parser::LineEvent Parser::next_line() {
  if (failed_) return too_long();
  size_t length = 0;
  switch (scan_line(limits_.max_auth_line, length)) {
    case Scan::need_more:
      return NeedMore{};
    case Scan::too_long:
      return too_long();
    case Scan::line:
      break;
  }
  std::string_view line = line_at(length);
  ContinuationLine out;
  out.text.reserve(std::max<size_t>(64, line.size()));  // on the heap: see command.h on secrets
  out.text.assign(line);
  consume_line(length);
  return out;
}

void Parser::discard_buffered() {
  sasl::wipe_bytes(buf_.data(), buf_.size());
  buf_.clear();
  pos_ = 0;
  scanned_ = 0;
}

void Parser::set_limits(Limits limits) { limits_ = normalize(limits); }

}  // namespace sealmail::pop3

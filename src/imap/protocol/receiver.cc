// The command receiver (receiver.h): framing of lines and literals, limits, recovery.
#include "imap/protocol/receiver.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "imap/protocol/command_parser.h"

namespace sealmail::imap {

namespace {

// Commands above this size are freed rather than wiped when done: a credential never needs one
// (LOGIN and AUTHENTICATE are small), and wiping a 64 MiB APPEND would cost more than it protects.
constexpr size_t kWipeLimit = 64 * 1024;
constexpr size_t kTailKeep = 32;  // enough for "~{4294967295+}"

struct Marker {
  size_t size = 0;
  bool sync = true;
  bool binary = false;
};

// The literal marker at the very end of `line`, outside any quoted string (RFC 9051 §4.3:
// literal = "{" number64 ["+"] "}" CRLF; literal8 = "~{" ...). `check_quotes` is false for the
// tail of a skipped line, whose beginning is gone.
std::optional<Marker> literal_marker(std::string_view line, bool check_quotes) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  if (check_quotes) {
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      if (quoted && line[i] == '\\') {
        ++i;
      } else if (line[i] == '"') {
        quoted = !quoted;
      }
    }
    if (quoted) return std::nullopt;
  }
  size_t end = line.size() - 1;
  Marker m;
  if (end > 0 && line[end - 1] == '+') {
    m.sync = false;
    --end;
  }
  size_t digits_end = end;
  while (end > 0 && line[end - 1] >= '0' && line[end - 1] <= '9') --end;
  if (end == digits_end || end == 0 || line[end - 1] != '{') return std::nullopt;
  if (digits_end - end > 19) return std::optional<Marker>(Marker{SIZE_MAX, m.sync, false});
  uint64_t n = 0;
  for (size_t i = end; i < digits_end; ++i) n = n * 10 + static_cast<uint64_t>(line[i] - '0');
  m.size = n > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(n);
  m.binary = end >= 2 && line[end - 2] == '~';
  return m;
}

}  // namespace

Limits Limits::before_login() {
  Limits l;
  // RFC 2971 §3.3 lets an ID before login carry 30 fields of 30 octets with 1,024-octet values:
  // about 32 KiB on one line (ImapTest "id"). Still far under the 64 KiB after login.
  l.max_line = 40 * 1024;
  l.max_literal = 8 * 1024;
  l.max_command = 48 * 1024;
  l.long_line_is_fatal = true;
  return l;
}

Limits Limits::after_login() {
  Limits l;
  l.max_line = 64 * 1024;
  l.max_literal = 64 * 1024 * 1024;
  l.max_command = 70 * 1024 * 1024;
  return l;
}

Receiver::Receiver(Limits limits) : limits_(limits) {}

Receiver::~Receiver() {
  OPENSSL_cleanse(buffer_.data(), buffer_.size());
  reset_command();
}

void Receiver::set_limits(Limits limits) { limits_ = limits; }

void Receiver::feed(std::string_view bytes) {
  if (start_ > 0 && start_ == buffer_.size()) {
    OPENSSL_cleanse(buffer_.data(), buffer_.size());
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 4096 && start_ * 2 > buffer_.size()) {
    // Compact; the bytes left behind past the new end are zeroed.
    size_t keep = buffer_.size() - start_;
    std::memmove(buffer_.data(), buffer_.data() + start_, keep);
    OPENSSL_cleanse(buffer_.data() + keep, buffer_.size() - keep);
    buffer_.resize(keep);
    start_ = 0;
  }
  buffer_.append(bytes);
}

size_t Receiver::buffered() const { return buffer_.size() - start_ + command_.size(); }

std::string Receiver::take_buffered() {
  std::string out = buffer_.substr(start_);
  OPENSSL_cleanse(buffer_.data(), buffer_.size());
  buffer_.clear();
  start_ = 0;
  scanned_ = 0;
  return out;
}

void Receiver::consume(size_t n) {
  start_ += n;
  scanned_ = scanned_ > n ? scanned_ - n : 0;
  if (start_ == buffer_.size()) {
    OPENSSL_cleanse(buffer_.data(), buffer_.size());
    buffer_.clear();
    start_ = 0;
  }
}

void Receiver::reset_command() {
  if (command_.capacity() <= kWipeLimit) {
    wipe_string(command_);
  } else {
    std::string().swap(command_);
  }
  tag_.clear();
  name_.clear();
  literal_left_ = 0;
  continuation_pending_ = false;
  after_bad_ = false;
  skip_tail_.clear();
}

Error Receiver::make_error(Error::Kind kind, std::string text) const { return Error{tag_, std::move(text), kind}; }

std::optional<Receiver::LineEnd> Receiver::find_line_end(size_t max, bool* too_long) const {
  *too_long = false;
  std::string_view avail(buffer_.data() + start_, buffer_.size() - start_);
  size_t lf = avail.find('\n', std::min(scanned_, avail.size()));
  scanned_ = lf == std::string_view::npos ? avail.size() : lf;
  if (lf != std::string_view::npos) {
    size_t content = lf > 0 && avail[lf - 1] == '\r' ? lf - 1 : lf;
    if (content > max) {
      *too_long = true;
      return std::nullopt;
    }
    return LineEnd{content, lf + 1};
  }
  // No line end yet: decide "too long" exactly as if the line end were there, so that the result
  // does not depend on how the bytes were cut (a last CR may still be part of a CRLF).
  if (avail.size() > max + 1 || (avail.size() == max + 1 && avail.back() != '\r')) *too_long = true;
  return std::nullopt;
}

void Receiver::reject_literal() {
  if (state_ == State::literal && continuation_pending_) {
    reset_command();
    state_ = State::line;
  }
}

Event Receiver::next() {
  while (true) {
    size_t avail = buffer_.size() - start_;
    switch (state_) {
      case State::literal: {
        size_t take = std::min(avail, literal_left_);
        command_.append(buffer_, start_, take);
        consume(take);
        literal_left_ -= take;
        if (literal_left_ > 0) return NeedMore{};
        continuation_pending_ = false;
        state_ = State::line;
        continue;
      }
      case State::skip_literal: {
        size_t take = std::min(avail, literal_left_);
        consume(take);
        literal_left_ -= take;
        if (literal_left_ > 0) return NeedMore{};
        state_ = State::line;  // after_bad_ stays set: the rest of the command is skipped too
        continue;
      }
      case State::skip_line:
      case State::skip_raw_line: {
        std::string_view view(buffer_.data() + start_, avail);
        size_t lf = view.find('\n');
        std::string_view part = view.substr(0, lf == std::string_view::npos ? view.size() : lf);
        if (state_ == State::skip_line) {
          skip_tail_.append(part.substr(part.size() > kTailKeep ? part.size() - kTailKeep : 0));
          if (skip_tail_.size() > kTailKeep) skip_tail_.erase(0, skip_tail_.size() - kTailKeep);
        }
        if (lf == std::string_view::npos) {
          consume(avail);
          return NeedMore{};
        }
        consume(lf + 1);
        if (state_ == State::skip_raw_line) {
          state_ = State::line;
          continue;
        }
        state_ = State::line;
        std::string_view tail = skip_tail_;
        if (!tail.empty() && tail.back() == '\r') tail.remove_suffix(1);
        auto marker = literal_marker(tail, false);
        skip_tail_.clear();
        if (marker && !marker->sync) {
          // Its bytes are coming: drop them too, then the lines after them.
          if (marker->size > limits_.max_literal) {
            Error e = make_error(Error::Kind::fatal, "Literal too big");
            reset_command();
            return e;
          }
          literal_left_ = marker->size;
          state_ = State::skip_literal;
          continue;
        }
        reset_command();  // the command ended with that line
        continue;
      }
      case State::line:
        break;
    }

    // State::line
    size_t limit = limits_.max_line;
    bool command_limit = false;
    if (!after_bad_) {
      size_t room = command_.size() >= limits_.max_command ? 0 : limits_.max_command - command_.size();
      if (room < limit) {
        limit = room;
        command_limit = true;
      }
    }
    bool too_long = false;
    auto end = find_line_end(limit, &too_long);
    if (too_long) {
      state_ = State::skip_line;
      skip_tail_.clear();
      if (after_bad_) continue;  // already answered
      if (command_.empty()) {
        // The tag from the line's start; only what any cut of the bytes would show (limit + 1).
        std::string_view view(buffer_.data() + start_, std::min(avail, limit + 1));
        CommandHead head = command_head(view);
        if (head.tag.size() < view.size()) tag_ = head.tag;
      }
      after_bad_ = true;
      bool fatal = limits_.long_line_is_fatal && !command_limit;
      return make_error(fatal ? Error::Kind::fatal : Error::Kind::bad,
                        command_limit ? "Command too long" : "Line too long");
    }
    if (!end) return NeedMore{};
    std::string_view line(buffer_.data() + start_, end->content);

    if (after_bad_) {
      // The rest of a refused command: drop it, following its non-synchronizing literals.
      auto marker = literal_marker(line, true);
      consume(end->consumed);
      if (marker && !marker->sync) {
        if (marker->size > limits_.max_literal) {
          Error e = make_error(Error::Kind::fatal, "Literal too big");
          reset_command();
          return e;
        }
        literal_left_ = marker->size;
        state_ = State::skip_literal;
        continue;
      }
      reset_command();
      continue;
    }

    if (command_.empty()) {
      if (line.empty()) {
        consume(end->consumed);  // empty lines between commands are ignored
        continue;
      }
      CommandHead head = command_head(line);
      tag_ = std::move(head.tag);
      name_ = std::move(head.name);
    }
    auto marker = literal_marker(line, true);
    command_.append(line);
    consume(end->consumed);

    if (!marker) {
      auto parsed = parse_command(command_, limits_);
      reset_command();
      if (auto* cmd = std::get_if<Command>(&parsed)) return std::move(*cmd);
      return std::get<Error>(std::move(parsed));
    }

    size_t room = command_.size() + 2 >= limits_.max_command ? 0 : limits_.max_command - command_.size() - 2;
    if (marker->size > limits_.max_literal || marker->size > room) {
      if (marker->sync) {
        // RFC 7888 §4 / RFC 9051 §7.1 TOOBIG: the client waits for "+" and will not send it.
        Error e = make_error(Error::Kind::too_big, "Literal too big");
        reset_command();
        return e;
      }
      Error e = make_error(Error::Kind::fatal, "Non-synchronizing literal too big");
      reset_command();
      return e;
    }
    if (auto error = check_command_prefix(command_, limits_)) {
      Error e = std::move(*error);
      if (marker->sync) {
        reset_command();  // no "+": the client will not send the literal
      } else {
        after_bad_ = true;
        literal_left_ = marker->size;
        state_ = State::skip_literal;
      }
      return e;
    }
    command_ += "\r\n";
    literal_left_ = marker->size;
    state_ = State::literal;
    if (marker->sync) {
      continuation_pending_ = true;
      return NeedContinuation{tag_, name_, marker->size, marker->binary};
    }
  }
}

LineEvent Receiver::next_line() {
  while (true) {
    size_t avail = buffer_.size() - start_;
    if (state_ == State::skip_raw_line) {
      std::string_view view(buffer_.data() + start_, avail);
      size_t lf = view.find('\n');
      if (lf == std::string_view::npos) {
        consume(avail);
        return NeedMore{};
      }
      consume(lf + 1);
      state_ = State::line;
    }
    bool too_long = false;
    auto end = find_line_end(limits_.max_line, &too_long);
    if (too_long) {
      state_ = State::skip_raw_line;
      return Error{"", "Line too long", limits_.long_line_is_fatal ? Error::Kind::fatal : Error::Kind::bad};
    }
    if (!end) return NeedMore{};
    Line line{std::string(buffer_.data() + start_, end->content)};
    consume(end->consumed);
    return line;
  }
}

}  // namespace sealmail::imap

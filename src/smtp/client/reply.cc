#include "smtp/client/reply.h"

namespace sealmail::smtp::client {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// "d.ddd.ddd" (RFC 3463 §2: class 2, 4 or 5; subject and detail of 1 to 3 digits).
size_t enhanced_length(std::string_view text) {
  if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') return 0;
  size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    size_t start = i;
    while (i < text.size() && digit(text[i]) && i - start < 3) ++i;
    if (i == start) return 0;
    if (part == 0) {
      if (i >= text.size() || text[i] != '.') return 0;
      ++i;
    }
  }
  if (i < text.size() && text[i] != ' ') return 0;
  return i;
}

}  // namespace

std::string Reply::enhanced() const {
  if (lines.empty()) return {};
  size_t n = enhanced_length(lines.front());
  if (n == 0 || lines.front()[0] != static_cast<char>('0' + code / 100)) return {};
  return lines.front().substr(0, n);
}

std::string Reply::summary() const {
  std::string out = std::to_string(code);
  if (!lines.empty() && !lines.front().empty()) out += " " + lines.front();
  return out;
}

Reply local_reply(int code, std::string text) { return Reply{code, {std::move(text)}}; }

ReplyParser::Status ReplyParser::parse(std::string_view buffer, Reply& out, size_t& consumed) {
  Reply reply;
  size_t pos = 0;
  for (;;) {
    auto lf = buffer.find('\n', pos);
    // A line may hold kMaxLine bytes plus the CR before its LF: refusing it before the LF arrives
    // would make the outcome depend on where the peer's TCP segments end (found by fuzz_smtp_reply).
    if (lf == std::string_view::npos) return buffer.size() - pos > kMaxLine + 1 ? Status::error : Status::need_more;
    std::string_view line = buffer.substr(pos, lf - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // bare LF tolerated from peers
    if (line.size() > kMaxLine || line.size() < 3 || !digit(line[0]) || !digit(line[1]) || !digit(line[2]))
      return Status::error;
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code < 200 || code > 599) return Status::error;
    if (reply.lines.empty()) {
      reply.code = code;
    } else if (code != reply.code) {
      return Status::error;
    }
    bool last = line.size() == 3 || line[3] == ' ';
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return Status::error;
    reply.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    pos = lf + 1;
    if (last) break;
    if (reply.lines.size() >= kMaxLines) return Status::error;
  }
  out = std::move(reply);
  consumed = pos;
  return Status::complete;
}

}  // namespace sealmail::smtp::client

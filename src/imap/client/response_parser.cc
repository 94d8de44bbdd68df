#include "imap/client/response_parser.h"

#include <cctype>

namespace sealmail::imap::client {

bool Value::is_atom(std::string_view word) const {
  if (kind != Kind::atom || text.size() != word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(text[i])) != std::toupper(static_cast<unsigned char>(word[i])))
      return false;
  return true;
}

std::optional<uint64_t> Value::number() const {
  if (kind != Kind::atom || text.empty() || text.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

namespace {

Error bad(const std::string& why) { return make_error(Errc::invalid_argument, "bad IMAP response: " + why); }

// A recursive-descent reader over the buffer. `incomplete` is set (with how many bytes the buffer
// needs) when the response runs past the end of what has been read.
class Reader {
 public:
  Reader(std::string_view buf, const ParserLimits& limits) : buf_(buf), limits_(limits) {}

  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= buf_.size(); }
  std::optional<size_t> incomplete;

  // Counts the bytes outside literals against the limit.
  bool over_text_limit() const { return pos_ - literal_bytes_ > limits_.max_text; }

  void need(size_t total) {
    if (!incomplete) incomplete = total;
  }

  // Up to (not including) the next SP or CRLF.
  std::optional<std::string> word() {
    size_t start = pos_;
    while (pos_ < buf_.size() && buf_[pos_] != ' ' && buf_[pos_] != '\r' && buf_[pos_] != '\n') ++pos_;
    if (pos_ >= buf_.size()) {
      need(pos_ + 1);
      return std::nullopt;
    }
    return std::string(buf_.substr(start, pos_ - start));
  }

  // The rest of the line, consuming its CRLF.
  Result<std::optional<std::string>> rest_of_line() {
    size_t eol = buf_.find("\r\n", pos_);
    if (eol == std::string_view::npos) {
      if (buf_.size() - literal_bytes_ > limits_.max_text) return bad("line too long");
      need(buf_.size() + 1);
      return std::optional<std::string>{};
    }
    std::string text(buf_.substr(pos_, eol - pos_));
    pos_ = eol + 2;
    if (over_text_limit()) return bad("line too long");
    return std::optional<std::string>{std::move(text)};
  }

  // One value; nullopt with `incomplete` set when the buffer ends first.
  Result<std::optional<Value>> value(size_t depth) {
    if (depth > limits_.max_depth) return bad("lists nested too deep");
    if (at_end()) {
      need(pos_ + 1);
      return std::optional<Value>{};
    }
    char c = buf_[pos_];
    if (c == '(') return list(depth);
    if (c == '"') return quoted();
    if (c == '{') return literal();
    return atom();
  }

  // Values separated by single spaces up to `close` (')' for lists, '\r' for the line's end).
  Result<bool> values(std::vector<Value>& out, char close, size_t depth) {
    bool first = true;
    for (;;) {
      if (over_text_limit()) return bad("response too long");
      if (at_end()) {
        need(pos_ + 1);
        return false;
      }
      if (buf_[pos_] == close) return true;
      if (!first) {
        if (buf_[pos_] != ' ') return bad("values not separated by a space");
        ++pos_;
        if (at_end()) {
          need(pos_ + 1);
          return false;
        }
        // Some servers end a line with a space; accept it.
        if (close == '\r' && buf_[pos_] == '\r') return true;
      }
      first = false;
      auto v = value(depth);
      if (!v) return v.error();
      if (!*v) return false;
      out.push_back(std::move(**v));
    }
  }

 private:
  Result<std::optional<Value>> list(size_t depth) {
    ++pos_;  // (
    Value v;
    v.kind = Value::Kind::list;
    auto r = values(v.items, ')', depth + 1);
    if (!r) return r.error();
    if (!*r) return std::optional<Value>{};
    ++pos_;  // )
    return std::optional<Value>{std::move(v)};
  }

  Result<std::optional<Value>> quoted() {
    ++pos_;
    Value v;
    v.kind = Value::Kind::string;
    while (pos_ < buf_.size()) {
      char c = buf_[pos_++];
      if (c == '"') return std::optional<Value>{std::move(v)};
      if (c == '\r' || c == '\n') return bad("line break in a quoted string");
      if (c == '\\') {
        if (pos_ >= buf_.size()) break;
        c = buf_[pos_++];
        if (c != '\\' && c != '"') return bad("bad escape in a quoted string");
      }
      v.text.push_back(c);
    }
    if (over_text_limit()) return bad("response too long");
    need(buf_.size() + 1);
    return std::optional<Value>{};
  }

  Result<std::optional<Value>> literal() {
    size_t p = pos_ + 1;
    uint64_t n = 0;
    size_t digits = 0;
    while (p < buf_.size() && buf_[p] >= '0' && buf_[p] <= '9') {
      if (++digits > 12) return bad("literal size too long");
      n = n * 10 + static_cast<uint64_t>(buf_[p] - '0');
      ++p;
    }
    if (p < buf_.size() && buf_[p] == '+') ++p;  // LITERAL+ never comes from a server, but harmless
    if (p + 3 > buf_.size()) {
      if (buf_.size() - pos_ > 20) return bad("bad literal");
      need(p + 3);
      return std::optional<Value>{};
    }
    if (digits == 0 || buf_.substr(p, 3) != "}\r\n") return bad("bad literal");
    if (n > limits_.max_literal) return bad("literal of " + std::to_string(n) + " bytes is over the limit");
    p += 3;
    if (buf_.size() - p < n) {
      need(p + static_cast<size_t>(n));
      return std::optional<Value>{};
    }
    Value v;
    v.kind = Value::Kind::string;
    v.text.assign(buf_.substr(p, static_cast<size_t>(n)));
    pos_ = p + static_cast<size_t>(n);
    literal_bytes_ += static_cast<size_t>(n);
    return std::optional<Value>{std::move(v)};
  }

  // An atom; a "[" inside it runs to its "]" with spaces and parentheses allowed, as in
  // "BODY[HEADER.FIELDS (MESSAGE-ID)]" (RFC 9051 msg-att-static).
  Result<std::optional<Value>> atom() {
    size_t start = pos_;
    bool in_section = false;
    while (pos_ < buf_.size()) {
      char c = buf_[pos_];
      if (c == '\r' || c == '\n') {
        if (in_section) return bad("unclosed [ in an atom");
        break;
      }
      if (in_section) {
        if (c == ']') in_section = false;
      } else if (c == '[') {
        in_section = true;
      } else if (c == ' ' || c == '(' || c == ')' || c == '"' || c == '{' || static_cast<unsigned char>(c) < 0x20 ||
                 c == 0x7f) {
        break;
      }
      ++pos_;
    }
    if (over_text_limit()) return bad("response too long");
    if (pos_ >= buf_.size()) {
      need(pos_ + 1);
      return std::optional<Value>{};
    }
    if (pos_ == start) return bad("unexpected character");
    Value v;
    v.text.assign(buf_.substr(start, pos_ - start));
    v.kind = v.is_atom("NIL") ? Value::Kind::nil : Value::Kind::atom;
    if (v.kind == Value::Kind::nil) v.text.clear();
    return std::optional<Value>{std::move(v)};
  }

  std::string_view buf_;
  const ParserLimits& limits_;
  size_t pos_ = 0;
  size_t literal_bytes_ = 0;
};

bool is_status(const std::string& word) {
  return word == "OK" || word == "NO" || word == "BAD" || word == "BYE" || word == "PREAUTH";
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<ParseOutcome> parse_response(std::string_view buffer, const ParserLimits& limits) {
  Reader r(buffer, limits);
  auto more = [&]() -> Result<ParseOutcome> {
    return ParseOutcome{NeedMore{r.incomplete.value_or(buffer.size() + 1)}};
  };
  Response resp;
  auto tag = r.word();
  if (!tag) {
    if (buffer.size() > limits.max_text) return bad("line too long");
    return more();
  }
  if (tag->empty()) return bad("empty tag");
  resp.tag = std::move(*tag);
  // After the tag: one space, then a status word and its text, or data values.
  if (resp.tag == "+") {
    auto line = r.rest_of_line();
    if (!line) return line.error();
    if (!*line) return more();
    resp.text = std::move(**line);
    if (!resp.text.empty() && resp.text[0] == ' ') resp.text.erase(0, 1);
    return ParseOutcome{std::pair{std::move(resp), r.pos()}};
  }
  size_t after_tag = r.pos();
  auto head = r.rest_of_line();  // only to look at the first word; parsed again below
  if (!head) return head.error();
  if (!*head) return more();
  std::string_view line = **head;
  if (line.empty() || line[0] != ' ') return bad("no space after the tag");
  line.remove_prefix(1);
  std::string first = upper(std::string(line.substr(0, line.find(' '))));
  if (is_status(first)) {
    resp.status = first;
    line.remove_prefix(std::min(line.size(), first.size() + 1));
    resp.text = std::string(line);
    return ParseOutcome{std::pair{std::move(resp), r.pos()}};
  }
  if (resp.tag != "*") return bad("a tagged response that is not OK, NO or BAD");
  // Data: parse values from just after the tag's space, across literals.
  // A fresh reader over what follows the tag and its space.
  std::string_view rest = buffer.substr(after_tag + 1);
  Reader v(rest, limits);
  auto ok = v.values(resp.values, '\r', 0);
  if (!ok) return ok.error();
  if (!*ok) return ParseOutcome{NeedMore{after_tag + 1 + v.incomplete.value_or(rest.size() + 1)}};
  if (rest.size() < v.pos() + 2) return ParseOutcome{NeedMore{after_tag + 1 + v.pos() + 2}};
  if (rest.substr(v.pos(), 2) != "\r\n") return bad("bare CR");
  if (resp.values.empty()) return bad("empty data response");
  return ParseOutcome{std::pair{std::move(resp), after_tag + 1 + v.pos() + 2}};
}

std::optional<std::string_view> response_code(std::string_view text) {
  if (text.empty() || text[0] != '[') return std::nullopt;
  size_t close = text.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  return text.substr(1, close - 1);
}

}  // namespace sealmail::imap::client

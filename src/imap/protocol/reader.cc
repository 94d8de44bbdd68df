// The command tokenizer (reader.h).
#include "imap/protocol/reader.h"

#include <utility>

namespace sealmail::imap::detail {

namespace {
constexpr size_t kPrefixValueBytes = 1024;
}  // namespace

void fail(std::string text) { throw ParseError{std::move(text), Error::Kind::bad}; }

// ATOM-CHAR = any CHAR except atom-specials: "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]".
bool is_atom_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  switch (c) {
    case '(':
    case ')':
    case '{':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']':
      return false;
    default:
      return true;
  }
}

bool is_astring_char(unsigned char c) { return is_atom_char(c) || c == ']'; }

bool is_list_char(unsigned char c) { return is_astring_char(c) || c == '%' || c == '*'; }

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

bool Reader::try_char(char c) {
  if (peek() == c && !at_end()) {
    ++pos_;
    return true;
  }
  return false;
}

void Reader::expect(char c, const char* what) {
  if (!try_char(c)) fail(std::string("Expected ") + what);
}

void Reader::sp() {
  if (!try_char(' ')) fail("Expected a space");
}

bool Reader::try_sp() { return try_char(' '); }

void Reader::expect_end() {
  if (!at_end()) fail("Unexpected text at the end of the command");
}

std::string_view Reader::peek_atom() const {
  size_t end = pos_;
  while (end < text_.size() && is_atom_char(static_cast<unsigned char>(text_[end]))) ++end;
  return text_.substr(pos_, end - pos_);
}

bool Reader::try_keyword(std::string_view word) {
  std::string_view a = peek_atom();
  if (!iequals(a, word)) return false;
  pos_ += a.size();
  count_argument();
  return true;
}

std::string Reader::atom() {
  std::string_view a = peek_atom();
  if (a.empty()) fail("Expected an atom");
  pos_ += a.size();
  count_argument();
  return std::string(a);
}

std::string Reader::tag() {
  size_t end = pos_;
  while (end < text_.size() && is_astring_char(static_cast<unsigned char>(text_[end])) && text_[end] != '+') ++end;
  if (end == pos_) fail("Missing or invalid tag");
  std::string t(text_.substr(pos_, end - pos_));
  pos_ = end;
  return t;
}

std::string Reader::quoted() {
  // RFC 9051 §9: quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = TEXT-CHAR except "\" and
  // DQUOTE, or "\" followed by one of them, or UTF-8 (IMAP4rev2). We take any byte but NUL, CR, LF.
  ++pos_;  // the opening quote
  std::string out;
  while (true) {
    if (at_end()) fail("Unterminated quoted string");
    char c = text_[pos_++];
    if (c == '"') break;
    if (c == '\\') {
      if (at_end()) fail("Unterminated quoted string");
      char e = text_[pos_++];
      if (e != '\\' && e != '"') fail("Invalid escape in a quoted string");
      out += e;
      continue;
    }
    if (c == '\0' || c == '\r' || c == '\n') fail("Invalid character in a quoted string");
    out += c;
  }
  return out;
}

std::string Reader::literal(bool allow_binary, bool* binary) {
  bool is8 = false;
  if (peek() == '~') {
    if (!allow_binary) fail("literal8 is not allowed here");
    is8 = true;
    ++pos_;
  }
  expect('{', "a literal");
  size_t start = pos_;
  uint64_t n = 0;
  while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    n = n * 10 + static_cast<uint64_t>(text_[pos_] - '0');
    if (n > UINT32_MAX) fail("Literal too long");
    ++pos_;
  }
  if (pos_ == start) fail("Invalid literal size");
  try_char('+');  // LITERAL+ / LITERAL- (RFC 7888)
  expect('}', "} after the literal size");
  if (prefix_ && at_end()) throw Incomplete{};
  if (!(try_char('\r') && try_char('\n'))) fail("Expected CRLF after a literal marker");
  if (text_.size() - pos_ < n) fail("Literal truncated");
  std::string_view data = text_.substr(pos_, n);
  // RFC 9051 §9: literal = ... *CHAR8 (no NUL); literal8 may hold any octet (RFC 3516 §4.4).
  if (!is8 && data.find('\0') != std::string_view::npos) fail("NUL in a literal (use literal8)");
  pos_ += n;
  if (binary) *binary = is8;
  // A prefix check re-reads every literal received so far at each new one (MULTIAPPEND): copying
  // them all each time would be quadratic. No check looks past the first bytes of a value (dates,
  // names that must not be empty), so a prefix of the value is enough there.
  if (prefix_) return std::string(data.substr(0, kPrefixValueBytes));
  return std::string(data);
}

std::string Reader::string() {
  count_argument();
  if (peek() == '"') return quoted();
  if (peek() == '{') return literal(false, nullptr);
  fail("Expected a string");
}

std::string Reader::astring() {
  char c = peek();
  if (c == '"' || c == '{') return string();
  size_t end = pos_;
  while (end < text_.size() && is_astring_char(static_cast<unsigned char>(text_[end]))) ++end;
  if (end == pos_) fail("Expected an astring");
  std::string out(text_.substr(pos_, end - pos_));
  pos_ = end;
  count_argument();
  return out;
}

std::optional<std::string> Reader::nstring() {
  if (peek() == '"' || peek() == '{') return string();
  if (try_keyword("NIL")) return std::nullopt;
  fail("Expected a string or NIL");
}

std::string Reader::string_or_literal8(bool* binary) {
  *binary = false;
  if (peek() == '~') {
    count_argument();
    return literal(true, binary);
  }
  return string();
}

std::string Reader::list_mailbox() {
  char c = peek();
  if (c == '"' || c == '{') return string();
  size_t end = pos_;
  while (end < text_.size() && is_list_char(static_cast<unsigned char>(text_[end]))) ++end;
  if (end == pos_) fail("Expected a mailbox pattern");
  std::string out(text_.substr(pos_, end - pos_));
  pos_ = end;
  count_argument();
  return out;
}

std::string Reader::flag() {
  // flag = "\Answered" / ... / flag-keyword / flag-extension ("\" atom). RFC 9051 §9.
  if (peek() == '\\') {
    ++pos_;
    std::string a = atom();
    return "\\" + a;
  }
  return atom();
}

std::string Reader::charset() {
  if (peek() == '"') {
    count_argument();
    return quoted();
  }
  return atom();
}

uint64_t Reader::number64() {
  size_t start = pos_;
  uint64_t n = 0;
  while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    n = n * 10 + static_cast<uint64_t>(text_[pos_] - '0');
    if (n > static_cast<uint64_t>(INT64_MAX)) fail("Number too large");
    ++pos_;
  }
  if (pos_ == start) fail("Expected a number");
  count_argument();
  return n;
}

uint64_t Reader::nz_number64() {
  uint64_t n = number64();
  if (n == 0) fail("Expected a non-zero number");
  return n;
}

uint32_t Reader::number() {
  size_t start = pos_;
  uint64_t n = 0;
  while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    n = n * 10 + static_cast<uint64_t>(text_[pos_] - '0');
    if (n > UINT32_MAX) fail("Number too large");
    ++pos_;
  }
  if (pos_ == start) fail("Expected a number");
  count_argument();
  return static_cast<uint32_t>(n);
}

uint32_t Reader::nz_number() {
  uint32_t n = number();
  if (n == 0) fail("Expected a non-zero number");
  return n;
}

SequenceSet Reader::sequence_set() {
  size_t end = pos_;
  while (end < text_.size()) {
    char c = text_[end];
    if ((c >= '0' && c <= '9') || c == ':' || c == ',' || c == '*' || c == '$') {
      ++end;
    } else {
      break;
    }
  }
  auto set = parse_sequence_set(text_.substr(pos_, end - pos_));
  if (!set) fail("Invalid sequence set");
  pos_ = end;
  count_argument();
  return std::move(*set);
}

void Reader::open_paren() {
  expect('(', "(");
  if (++depth_ > limits_.max_depth) fail("Too deeply nested");
  count_argument();
}

void Reader::close_paren() {
  expect(')', ")");
  --depth_;
}

void Reader::count_argument() {
  if (++arguments_ > limits_.max_arguments) fail("Too many arguments");
}

}  // namespace sealmail::imap::detail

#include "imap/server/body_structure.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <vector>

namespace sealmail::imap {

namespace {

// A parsed s-expression: an atom/string/literal kept as its exact text, or a list.
struct Node {
  std::string_view text;  // for leaves: the exact wire bytes
  std::vector<Node> children;
  bool list = false;
};

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  std::optional<Node> node(int depth = 0) {
    if (depth > 64) return std::nullopt;
    skip_spaces();
    if (pos_ >= s_.size()) return std::nullopt;
    size_t start = pos_;
    char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      Node n;
      n.list = true;
      for (;;) {
        skip_spaces();
        if (pos_ >= s_.size()) return std::nullopt;
        if (s_[pos_] == ')') {
          ++pos_;
          return n;
        }
        auto child = node(depth + 1);
        if (!child) return std::nullopt;
        n.children.push_back(std::move(*child));
      }
    }
    if (c == '"') {
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '"') pos_ += s_[pos_] == '\\' ? 2 : 1;
      if (pos_ >= s_.size()) return std::nullopt;
      ++pos_;
      return Node{s_.substr(start, pos_ - start), {}, false};
    }
    if (c == '{') {
      size_t close = s_.find('}', pos_);
      if (close == std::string_view::npos) return std::nullopt;
      size_t n = 0;
      auto digits = s_.substr(pos_ + 1, close - pos_ - 1);
      if (std::from_chars(digits.data(), digits.data() + digits.size(), n).ec != std::errc()) return std::nullopt;
      pos_ = close + 3 + n;  // "}\r\n" then n bytes
      if (pos_ > s_.size()) return std::nullopt;
      return Node{s_.substr(start, pos_ - start), {}, false};
    }
    while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '(' && s_[pos_] != ')') ++pos_;
    return Node{s_.substr(start, pos_ - start), {}, false};
  }

 private:
  void skip_spaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  std::string_view s_;
  size_t pos_ = 0;
};

bool equals_ci(std::string_view quoted, std::string_view word) {
  if (quoted.size() != word.size() + 2) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(quoted[i + 1])) != word[i]) return false;
  return true;
}

void write(std::string& out, const Node& n);

// Keeps the basic fields of a body (RFC 9051 §9 body-type-1part without body-ext-1part).
void write_body(std::string& out, const Node& n) {
  if (!n.list || n.children.empty()) {
    write(out, n);
    return;
  }
  out += '(';
  if (n.children.front().list) {  // multipart: the parts, then the subtype
    size_t i = 0;
    for (; i < n.children.size() && n.children[i].list; ++i) write_body(out, n.children[i]);
    if (i < n.children.size()) {
      out += ' ';
      write(out, n.children[i]);
    }
  } else {
    size_t keep = 7;
    if (n.children.size() > 1 && equals_ci(n.children[0].text, "TEXT")) keep = 8;
    bool message = n.children.size() > 1 && equals_ci(n.children[0].text, "MESSAGE") &&
                   (equals_ci(n.children[1].text, "RFC822") || equals_ci(n.children[1].text, "GLOBAL"));
    if (message) keep = 10;
    for (size_t i = 0; i < n.children.size() && i < keep; ++i) {
      if (i > 0) out += ' ';
      if (message && i == 8)
        write_body(out, n.children[i]);  // the encapsulated message's body
      else
        write(out, n.children[i]);
    }
  }
  out += ')';
}

void write(std::string& out, const Node& n) {
  if (!n.list) {
    out += n.text;
    return;
  }
  out += '(';
  for (size_t i = 0; i < n.children.size(); ++i) {
    if (i > 0) out += ' ';
    write(out, n.children[i]);
  }
  out += ')';
}

}  // namespace

std::string non_extensible_body(std::string_view bodystructure) {
  Reader reader(bodystructure);
  auto root = reader.node();
  if (!root) return std::string(bodystructure);
  std::string out;
  write_body(out, *root);
  return out;
}

}  // namespace sealmail::imap

#include "delivery/filters/html_links.h"

#include <cstdint>
#include <optional>

namespace sealmail::delivery::filters {

namespace {

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the character references that hide a domain: numeric ones and the few named ones
// that matter for URLs. Others are left as written.
std::string decode_references(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    if (in[i] != '&') {
      out.push_back(in[i++]);
      continue;
    }
    size_t j = i + 1;
    if (j < in.size() && in[j] == '#') {
      ++j;
      bool hex = j < in.size() && (in[j] == 'x' || in[j] == 'X');
      if (hex) ++j;
      uint32_t cp = 0;
      size_t digits = 0;
      while (j < in.size() && digits < 8) {
        char c = in[j];
        int v = c >= '0' && c <= '9'          ? c - '0'
                : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
        if (v < 0) break;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
        ++j;
        ++digits;
      }
      if (digits == 0) {
        out.push_back(in[i++]);
        continue;
      }
      if (j < in.size() && in[j] == ';') ++j;
      append_utf8(out, cp);
      i = j;
      continue;
    }
    static constexpr std::pair<std::string_view, char> kNamed[] = {{"amp;", '&'},    {"lt;", '<'},    {"gt;", '>'},
                                                                   {"quot;", '"'},   {"apos;", '\''}, {"nbsp;", ' '},
                                                                   {"period;", '.'}, {"sol;", '/'},   {"colon;", ':'}};
    bool done = false;
    for (auto& [name, c] : kNamed) {
      if (in.substr(j, name.size()) == name) {
        out.push_back(c);
        i = j + name.size();
        done = true;
        break;
      }
    }
    if (!done) out.push_back(in[i++]);
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

struct Tag {
  std::string name;  // lowercased
  bool closing = false;
  std::vector<std::pair<std::string, std::string>> attributes;  // names lowercased, values decoded

  std::optional<std::string> attribute(std::string_view n) const {
    for (auto& [k, v] : attributes)
      if (k == n) return v;
    return std::nullopt;
  }
};

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view html) : in_(html) {}

  HtmlFindings run() {
    while (pos_ < in_.size()) {
      if (in_[pos_] == '<') {
        markup();
      } else {
        size_t next = in_.find('<', pos_);
        if (next == std::string_view::npos) next = in_.size();
        text(in_.substr(pos_, next - pos_));
        pos_ = next;
      }
    }
    close_link();
    return std::move(out_);
  }

 private:
  void text(std::string_view raw) {
    if (!in_link_) return;
    std::string decoded = decode_references(raw);
    for (char c : decoded) {
      if (link_text_.size() >= kMaxText) return;
      if (is_space(c)) {
        if (!link_text_.empty() && link_text_.back() != ' ') link_text_.push_back(' ');
      } else {
        link_text_.push_back(c);
      }
    }
  }

  void close_link() {
    if (!in_link_) return;
    in_link_ = false;
    if (out_.links.size() < kMaxLinks) {
      while (!link_text_.empty() && link_text_.back() == ' ') link_text_.pop_back();
      out_.links.push_back({std::move(link_href_), std::move(link_text_)});
    }
    link_href_.clear();
    link_text_.clear();
  }

  void markup() {
    // pos_ at '<'
    if (in_.substr(pos_, 4) == "<!--") {
      size_t end = in_.find("-->", pos_ + 4);
      pos_ = end == std::string_view::npos ? in_.size() : end + 3;
      return;
    }
    if (pos_ + 1 < in_.size() && (in_[pos_ + 1] == '!' || in_[pos_ + 1] == '?')) {
      size_t end = in_.find('>', pos_);
      pos_ = end == std::string_view::npos ? in_.size() : end + 1;
      return;
    }
    size_t start = pos_;
    ++pos_;
    Tag tag;
    if (pos_ < in_.size() && in_[pos_] == '/') {
      tag.closing = true;
      ++pos_;
    }
    if (pos_ >= in_.size() || !is_alpha(in_[pos_])) {
      // Not a tag: a lone '<' is text.
      text(in_.substr(start, pos_ - start));
      return;
    }
    while (pos_ < in_.size() && !is_space(in_[pos_]) && in_[pos_] != '/' && in_[pos_] != '>')
      tag.name.push_back(lower_ascii(in_[pos_++]));
    attributes(tag);
    handle(tag);
  }

  void attributes(Tag& tag) {
    for (;;) {
      while (pos_ < in_.size() && (is_space(in_[pos_]) || in_[pos_] == '/')) ++pos_;
      if (pos_ >= in_.size()) return;
      if (in_[pos_] == '>') {
        ++pos_;
        return;
      }
      std::string name;
      while (pos_ < in_.size() && !is_space(in_[pos_]) && in_[pos_] != '/' && in_[pos_] != '>' && in_[pos_] != '=')
        name.push_back(lower_ascii(in_[pos_++]));
      if (name.empty()) name.push_back(in_[pos_++]);  // a stray '=' is an attribute name in HTML
      while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
      std::string value;
      if (pos_ < in_.size() && in_[pos_] == '=') {
        ++pos_;
        while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
        if (pos_ < in_.size() && (in_[pos_] == '"' || in_[pos_] == '\'')) {
          char q = in_[pos_++];
          size_t end = in_.find(q, pos_);
          if (end == std::string_view::npos) end = in_.size();
          value = decode_references(in_.substr(pos_, end - pos_));
          pos_ = end < in_.size() ? end + 1 : end;
        } else {
          size_t begin = pos_;
          while (pos_ < in_.size() && !is_space(in_[pos_]) && in_[pos_] != '>') ++pos_;
          value = decode_references(in_.substr(begin, pos_ - begin));
        }
      }
      if (tag.attributes.size() < 64) tag.attributes.emplace_back(std::move(name), std::move(value));
    }
  }

  // Raw text elements: their content is not markup and not shown.
  void skip_raw_text(std::string_view name) {
    std::string closing = "</" + std::string(name);
    for (;;) {
      size_t lt = in_.find("</", pos_);
      if (lt == std::string_view::npos) {
        pos_ = in_.size();
        return;
      }
      if (iequals(in_.substr(lt, closing.size()), closing)) {
        size_t end = in_.find('>', lt);
        pos_ = end == std::string_view::npos ? in_.size() : end + 1;
        return;
      }
      pos_ = lt + 2;
    }
  }

  void handle(const Tag& tag) {
    if (tag.name == "a") {
      close_link();  // <a> does not nest: a new one ends the last
      if (!tag.closing) {
        if (auto href = tag.attribute("href")) {
          in_link_ = true;
          link_href_ = trim(*href);
        }
      }
    } else if (tag.name == "form" && !tag.closing) {
      ++out_.forms;
    } else if (tag.name == "input" && !tag.closing) {
      if (auto type = tag.attribute("type"); type && iequals(trim(*type), "password")) ++out_.password_fields;
    } else if ((tag.name == "script" || tag.name == "style" || tag.name == "title" || tag.name == "textarea") &&
               !tag.closing) {
      skip_raw_text(tag.name);
    } else if (tag.name == "img" && in_link_) {
      // An image link shows its alt text in place of the image.
      if (auto alt = tag.attribute("alt")) text(" " + *alt + " ");
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
  HtmlFindings out_;
  bool in_link_ = false;
  std::string link_href_;
  std::string link_text_;
};

}  // namespace

HtmlFindings scan_html(std::string_view html) { return Tokenizer(html).run(); }

}  // namespace sealmail::delivery::filters

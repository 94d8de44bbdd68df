#include "imap/server/envelope_utf8.h"

#include <optional>
#include <vector>

#include "imap/protocol/response.h"
#include "mime/encoded_words.h"
#include "mime/imap_string.h"

namespace sealmail::imap {

namespace {

// An ENVELOPE as a tree: NIL, a string, or a parenthesized list (RFC 9051 §9 "envelope").
struct Value {
  enum class Kind { nil, string, list } kind = Kind::nil;
  std::string text;
  std::vector<Value> items;
  bool space_before = false;  // within its list, as read (addresses in a list have none)
};

// An envelope holds address lists of addresses: nothing is deeper than 3.
constexpr int kMaxDepth = 4;

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::optional<Value> value(int depth) {
    if (depth > kMaxDepth || pos_ >= in_.size()) return std::nullopt;
    char c = in_[pos_];
    if (c == '(') return list(depth);
    if (c == '"' || c == '{') return string();
    if (in_.compare(pos_, 3, "NIL") == 0) {
      pos_ += 3;
      return Value{};
    }
    return std::nullopt;
  }

  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::optional<Value> list(int depth) {
    Value v{Value::Kind::list, {}, {}};
    ++pos_;
    while (pos_ < in_.size() && in_[pos_] != ')') {
      // Items are separated by a space, except addresses in a list: "((...)(...))".
      bool space = !v.items.empty() && in_[pos_] == ' ';
      if (space) ++pos_;
      auto item = value(depth + 1);
      if (!item) return std::nullopt;
      item->space_before = space;
      v.items.push_back(std::move(*item));
    }
    if (pos_ >= in_.size()) return std::nullopt;
    ++pos_;
    return v;
  }

  // Quoted strings and literals as mime::append_string wrote them.
  std::optional<Value> string() {
    Value v{Value::Kind::string, {}, {}};
    if (!mime::read_string(in_, pos_, v.text)) return std::nullopt;
    return v;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

void write(std::string& out, const Value& v) {
  switch (v.kind) {
    case Value::Kind::nil:
      out += "NIL";
      return;
    case Value::Kind::string:
      append_string(out, v.text, true);  // RFC 6855 §3: UTF-8 may be quoted
      return;
    case Value::Kind::list:
      out += '(';
      for (const auto& item : v.items) {
        if (item.space_before) out += ' ';
        write(out, item);
      }
      out += ')';
      return;
  }
}

void decode(Value& v, std::string (*decoder)(std::string_view)) {
  if (v.kind == Value::Kind::string) v.text = decoder(v.text);
}

// address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"; with a NIL host, the
// mailbox part is the name of a group (RFC 9051 §7.5.2), a phrase like a display name.
void decode_address_list(Value& list) {
  if (list.kind != Value::Kind::list) return;
  for (auto& address : list.items) {
    if (address.kind != Value::Kind::list || address.items.size() != 4) continue;
    decode(address.items[0], mime::decode_phrase);
    if (address.items[3].kind == Value::Kind::nil) decode(address.items[2], mime::decode_phrase);
  }
}

// Moves `pos` past one value (string, literal, atom such as NIL or a number, or a list).
bool skip_value(std::string_view in, size_t& pos, int depth = 0) {
  if (pos >= in.size() || depth > 64) return false;
  char c = in[pos];
  if (c == '"' || c == '{') {
    std::string ignored;
    return mime::read_string(in, pos, ignored);
  }
  if (c == '(') {
    ++pos;
    while (pos < in.size() && in[pos] != ')') {
      if (in[pos] == ' ') ++pos;
      if (!skip_value(in, pos, depth + 1)) return false;
    }
    if (pos >= in.size()) return false;
    ++pos;
    return true;
  }
  size_t start = pos;
  while (pos < in.size() && in[pos] != ' ' && in[pos] != '(' && in[pos] != ')') ++pos;
  return pos > start;
}

}  // namespace

std::string bodystructure_for_utf8(std::string_view bs) {
  // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines: the
  // envelope is the 8th value of a part that starts with "message" "rfc822" (types are written in
  // lower case by mime::imap_bodystructure).
  constexpr std::string_view kMessage = "(\"message\" \"rfc822\" ";
  std::string out;
  size_t pos = 0, copied = 0;
  while (pos < bs.size()) {
    char c = bs[pos];
    if (c == '"' || c == '{') {  // strings are skipped whole: their text is never taken for syntax
      std::string ignored;
      if (!mime::read_string(bs, pos, ignored)) return std::string(bs);
      continue;
    }
    if (bs.substr(pos, kMessage.size()) != kMessage) {
      ++pos;
      continue;
    }
    size_t p = pos + 1;
    for (int i = 0; i < 7; ++i) {
      if (!skip_value(bs, p) || p >= bs.size() || bs[p] != ' ') return std::string(bs);
      ++p;
    }
    size_t envelope = p;
    if (!skip_value(bs, p)) return std::string(bs);
    out.append(bs.substr(copied, envelope - copied));
    out += envelope_for_utf8(bs.substr(envelope, p - envelope));
    copied = pos = p;  // the inner body follows, and may hold messages of its own
  }
  out.append(bs.substr(copied));
  return out;
}

std::string envelope_for_utf8(std::string_view envelope) {
  Reader r(envelope);
  auto v = r.value(0);
  // date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id.
  if (!v || !r.at_end() || v->kind != Value::Kind::list || v->items.size() != 10) return std::string(envelope);
  decode(v->items[1], mime::decode_unstructured);
  for (size_t i = 2; i <= 7; ++i) decode_address_list(v->items[i]);
  std::string out;
  out.reserve(envelope.size());
  write(out, *v);
  return out;
}

}  // namespace sealmail::imap

#include "backup/s3_list.h"

#include <charconv>

namespace sealmail::backup {

namespace {

Error bad(const std::string& what) { return {Errc::invalid_argument, "S3 list answer: " + what}; }

// The text of the first <tag>...</tag> inside `in` from `from`; npos when absent.
struct Element {
  size_t begin = std::string_view::npos;  // start of the text
  size_t end = 0;                         // one past the closing tag
  std::string_view text;
};

Element find_element(std::string_view in, std::string_view tag, size_t from = 0) {
  std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  Element e;
  auto a = in.find(open, from);
  if (a == std::string_view::npos) return e;
  auto b = in.find(close, a + open.size());
  if (b == std::string_view::npos) return e;
  e.begin = a + open.size();
  e.text = in.substr(e.begin, b - e.begin);
  e.end = b + close.size();
  return e;
}

// XML's five predefined entities and numeric references to ASCII; anything else is refused.
Result<std::string> unescape(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '&') {
      if (t[i] == '<') return bad("markup inside a value");
      out += t[i];
      continue;
    }
    auto semi = t.find(';', i);
    if (semi == std::string_view::npos || semi - i > 8) return bad("an unfinished entity");
    auto name = t.substr(i + 1, semi - i - 1);
    if (name == "amp")
      out += '&';
    else if (name == "lt")
      out += '<';
    else if (name == "gt")
      out += '>';
    else if (name == "quot")
      out += '"';
    else if (name == "apos")
      out += '\'';
    else if (name.size() > 1 && name[0] == '#') {
      unsigned v = 0;
      bool hex = name[1] == 'x';
      auto digits = name.substr(hex ? 2 : 1);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || v == 0 || v > 0x7f)
        return bad("an unsupported character reference");
      out += static_cast<char>(v);
    } else {
      return bad("an unknown entity");
    }
    i = semi;
  }
  return out;
}

}  // namespace

Result<ListPage> parse_list_objects(std::string_view xml, const ListLimits& limits) {
  if (xml.size() > limits.max_bytes) return bad("too large");
  // The root element carries S3's namespace as an attribute: <ListBucketResult xmlns="...">.
  auto open = xml.find("<ListBucketResult");
  if (open == std::string_view::npos) return bad("no ListBucketResult");
  auto after = open + std::string_view("<ListBucketResult").size();
  if (after >= xml.size() || (xml[after] != '>' && xml[after] != ' ')) return bad("no ListBucketResult");
  auto gt = xml.find('>', after);
  auto close = xml.find("</ListBucketResult>", after);
  if (gt == std::string_view::npos || close == std::string_view::npos || close < gt) return bad("no ListBucketResult");
  std::string_view body = xml.substr(gt + 1, close - gt - 1);
  ListPage page;
  size_t pos = 0;
  for (;;) {
    auto c = find_element(body, "Contents", pos);
    if (c.begin == std::string_view::npos) break;
    pos = c.end;
    if (page.objects.size() >= limits.max_objects) return bad("too many objects");
    auto key = find_element(c.text, "Key");
    if (key.begin == std::string_view::npos) return bad("an object without a Key");
    auto name = unescape(key.text);
    if (!name) return name.error();
    if (name->empty() || name->size() > limits.max_name) return bad("an object name of a bad length");
    ObjectInfo info{std::move(*name), 0};
    auto size = find_element(c.text, "Size");
    if (size.begin != std::string_view::npos) {
      auto [p, ec] = std::from_chars(size.text.data(), size.text.data() + size.text.size(), info.bytes);
      if (ec != std::errc() || p != size.text.data() + size.text.size()) return bad("a bad Size");
    }
    page.objects.push_back(std::move(info));
  }
  // IsTruncated and the token live outside the Contents elements; look for them there only, so a
  // key that spells "<IsTruncated>" (escaped, it cannot) never counts.
  std::string_view rest = body.substr(0, body.find("<Contents>"));
  std::string outside = std::string(rest) + std::string(body.substr(pos));
  auto truncated = find_element(outside, "IsTruncated");
  if (truncated.begin != std::string_view::npos) {
    if (truncated.text == "true")
      page.truncated = true;
    else if (truncated.text != "false")
      return bad("a bad IsTruncated");
  }
  if (page.truncated) {
    auto token = find_element(outside, "NextContinuationToken");
    if (token.begin == std::string_view::npos) return bad("truncated without NextContinuationToken");
    auto t = unescape(token.text);
    if (!t) return t.error();
    if (t->empty() || t->size() > 4096) return bad("a bad NextContinuationToken");
    page.next_token = std::move(*t);
  }
  return page;
}

}  // namespace sealmail::backup

#include "mime/search_text.h"

#include <strings.h>

namespace sealmail::mime {

namespace {
bool starts_with_ci(std::string_view s, size_t at, std::string_view prefix) {
  return s.size() - at >= prefix.size() && strncasecmp(s.data() + at, prefix.data(), prefix.size()) == 0;
}

struct Entity {
  std::string_view name;
  std::string_view text;
};
constexpr Entity kEntities[] = {{"amp;", "&"},  {"lt;", "<"},   {"gt;", ">"}, {"quot;", "\""},
                                {"apos;", "'"}, {"nbsp;", " "}, {"#39;", "'"}};
}  // namespace

std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  size_t i = 0;
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      std::string_view closing;
      if (starts_with_ci(html, i, "<!--"))
        closing = "-->";
      else if (starts_with_ci(html, i, "<script"))
        closing = "</script>";
      else if (starts_with_ci(html, i, "<style"))
        closing = "</style>";
      if (!closing.empty()) {
        size_t end = i;
        while (end < html.size() && !starts_with_ci(html, end, closing)) ++end;
        i = end + closing.size();
      } else {
        size_t end = html.find('>', i);
        i = end == std::string_view::npos ? html.size() : end + 1;
      }
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    if (c == '&') {
      bool matched = false;
      for (const auto& e : kEntities) {
        if (starts_with_ci(html, i + 1, e.name)) {
          out += e.text;
          i += 1 + e.name.size();
          matched = true;
          break;
        }
      }
      if (matched) {
        if (out.size() >= 2 && out.back() == ' ' && out[out.size() - 2] == ' ') out.pop_back();
        continue;
      }
    }
    // Runs of white space (and the spaces that replaced tags) fold to one space.
    bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (!space)
      out += c;
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
    ++i;
  }
  return out;
}

void append_search_text(std::string& out, std::string_view text, bool html, size_t cap) {
  if (out.size() >= cap) return;
  std::string converted;
  if (html) {
    converted = html_to_text(text);
    text = converted;
  }
  if (!out.empty()) out += '\n';
  out.append(text.substr(0, cap - std::min(cap, out.size())));
}

void append_search_headers(std::string& out, GMimeObject* object, size_t cap) {
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  int n = g_mime_header_list_get_count(list);
  for (int i = 0; i < n && out.size() < cap; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    const char* name = g_mime_header_get_name(h);
    const char* value = g_mime_header_get_value(h);
    out += name != nullptr ? name : "";
    out += ": ";
    out += value != nullptr ? value : "";
    out += '\n';
  }
}

}  // namespace sealmail::mime

// The MIME walker (mime_walker.h).
#include "imap/protocol/mime_walker.h"

#include "imap/protocol/reader.h"

namespace sealmail::imap::detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// The field's value with line breaks removed (unfolded, RFC 5322 §2.2.3) and comments dropped
// (RFC 2045 §5.1 allows them in Content-Type).
std::string unfolded_value(std::string_view field) {
  size_t colon = field.find(':');
  std::string out;
  int comment = 0;
  bool quoted = false;
  for (size_t i = colon + 1; i < field.size(); ++i) {
    char c = field[i];
    if (c == '\r' || c == '\n') continue;
    if (quoted) {
      out += c;
      if (c == '\\' && i + 1 < field.size()) {
        out += field[++i];
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (comment > 0) {
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++comment;
      } else if (c == ')') {
        --comment;
      }
      continue;
    }
    if (c == '(') {
      ++comment;
      continue;
    }
    if (c == '"') quoted = true;
    out += c;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

void parse_content_type(std::string_view value, Entity& e) {
  size_t semi = value.find(';');
  std::string_view media = trim(value.substr(0, semi));
  size_t slash = media.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= media.size()) return;  // keep the default
  e.type = lower(trim(media.substr(0, slash)));
  e.subtype = lower(trim(media.substr(slash + 1)));
  // Parameters: ; name = (token / quoted-string)
  while (semi != std::string_view::npos) {
    size_t start = semi + 1;
    size_t eq = value.find('=', start);
    if (eq == std::string_view::npos) return;
    std::string name = lower(trim(value.substr(start, eq - start)));
    size_t pos = eq + 1;
    while (pos < value.size() && is_wsp(value[pos])) ++pos;
    std::string v;
    if (pos < value.size() && value[pos] == '"') {
      ++pos;
      while (pos < value.size() && value[pos] != '"') {
        if (value[pos] == '\\' && pos + 1 < value.size()) ++pos;
        v += value[pos++];
      }
      semi = value.find(';', pos);
    } else {
      semi = value.find(';', pos);
      v = std::string(trim(value.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos)));
    }
    if (name == "boundary" && e.boundary.empty()) e.boundary = v;
  }
}

}  // namespace

std::vector<std::string_view> header_fields(std::string_view header) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t lf = header.find('\n', pos);
    size_t next = lf == std::string_view::npos ? header.size() : lf + 1;
    std::string_view line = header.substr(pos, next - pos);
    std::string_view content = line;
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.remove_suffix(1);
    if (content.empty()) break;  // the blank line
    if (is_wsp(line[0]) && !fields.empty()) {
      // A continuation line extends the previous field (RFC 5322 §2.2.3).
      const char* begin = fields.back().data();
      fields.back() = std::string_view(begin, static_cast<size_t>(line.data() + line.size() - begin));
    } else {
      fields.push_back(line);
    }
    pos = next;
  }
  return fields;
}

std::string_view field_name(std::string_view field) {
  size_t colon = field.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view name = field.substr(0, colon);
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
  return name;
}

Entity parse_entity(std::string_view bytes, bool digest) {
  Entity e;
  if (digest) {
    e.type = "message";
    e.subtype = "rfc822";
  }
  // The header ends after the first empty line; without one, everything is header.
  size_t pos = 0;
  size_t header_end = bytes.size();
  while (pos < bytes.size()) {
    size_t lf = bytes.find('\n', pos);
    if (lf == std::string_view::npos) break;
    bool empty = lf == pos || (lf == pos + 1 && bytes[pos] == '\r');
    if (empty) {
      header_end = lf + 1;
      break;
    }
    pos = lf + 1;
  }
  e.header = bytes.substr(0, header_end);
  e.body = bytes.substr(header_end);
  for (std::string_view field : header_fields(e.header)) {
    std::string_view name = field_name(field);
    if (iequals(name, "Content-Type")) {
      parse_content_type(unfolded_value(field), e);
    } else if (iequals(name, "Content-Transfer-Encoding")) {
      e.encoding = lower(trim(unfolded_value(field)));
    }
  }
  return e;
}

std::vector<std::string_view> body_parts(const Entity& multipart) {
  std::vector<std::string_view> parts;
  std::string_view body = multipart.body;
  const std::string& boundary = multipart.boundary;
  size_t part_start = std::string_view::npos;  // after the previous delimiter line
  size_t pos = 0;
  while (pos < body.size()) {
    size_t lf = body.find('\n', pos);
    size_t line_end = lf == std::string_view::npos ? body.size() : lf;
    std::string_view line = body.substr(pos, line_end - pos);
    bool delimiter = false, close = false;
    if (line.size() >= boundary.size() + 2 && line[0] == '-' && line[1] == '-' &&
        line.substr(2, boundary.size()) == boundary) {
      std::string_view rest = line.substr(2 + boundary.size());
      if (rest.size() >= 2 && rest[0] == '-' && rest[1] == '-') {
        close = true;
        rest.remove_prefix(2);
      }
      delimiter = true;
      for (char c : rest) {
        if (!is_wsp(c) && c != '\r') delimiter = false;
      }
    }
    if (delimiter) {
      if (part_start != std::string_view::npos) {
        // The line break before the delimiter is the delimiter's (RFC 2046 §5.1.1).
        size_t end = pos;
        if (end > part_start && body[end - 1] == '\n') --end;
        if (end > part_start && body[end - 1] == '\r') --end;
        parts.push_back(body.substr(part_start, end - part_start));
      }
      if (close) return parts;
      part_start = lf == std::string_view::npos ? body.size() : lf + 1;
    }
    pos = lf == std::string_view::npos ? body.size() : lf + 1;
  }
  // No close delimiter: the last part runs to the end (lenient, as clients expect).
  if (part_start != std::string_view::npos) parts.push_back(body.substr(part_start));
  return parts;
}

}  // namespace sealmail::imap::detail

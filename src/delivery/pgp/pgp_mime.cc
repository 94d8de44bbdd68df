#include "delivery/pgp/pgp_mime.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/base64.h"

namespace sealmail::delivery::pgp {

namespace {

constexpr std::array<std::string_view, 11> kOuterFields = {"from",        "sender",     "reply-to",      "to",
                                                           "cc",          "date",       "subject",       "message-id",
                                                           "in-reply-to", "references", "auto-submitted"};
constexpr std::string_view kArmorBegin = "-----BEGIN PGP MESSAGE-----";
// How much of a base64 body is decoded to look for inline armor: the armor line is at the top.
constexpr size_t kBase64Window = size_t{64} * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool kept_outside(std::string_view name) {
  if (istarts_with(name, "list-")) return true;
  return std::any_of(kOuterFields.begin(), kOuterFields.end(), [&](std::string_view k) { return iequals(k, name); });
}

// The unfolded value of a field (after the colon), surrounding white space removed.
std::string field_value(const HeaderField& f) {
  std::string_view v = f.raw.substr(f.raw.find(':') + 1);
  std::string out;
  out.reserve(v.size());
  for (char c : v)
    if (c != '\r' && c != '\n') out += c;
  auto first = out.find_first_not_of(" \t");
  auto last = out.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : out.substr(first, last - first + 1);
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

// A line exactly kArmorBegin (trailing white space allowed), at the start of `text` or of a line.
bool has_armor_line(std::string_view text) {
  size_t pos = 0;
  while ((pos = text.find(kArmorBegin, pos)) != std::string_view::npos) {
    bool line_start = pos == 0 || text[pos - 1] == '\n';
    size_t end = pos + kArmorBegin.size();
    while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
    bool line_end = end == text.size() || text[end] == '\r' || text[end] == '\n';
    if (line_start && line_end) return true;
    pos += kArmorBegin.size();
  }
  return false;
}

}  // namespace

std::vector<HeaderField> header_fields(std::string_view message, size_t* body_start) {
  std::vector<HeaderField> fields;
  size_t pos = 0;
  *body_start = message.size();
  while (pos < message.size()) {
    size_t eol = message.find('\n', pos);
    size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
    std::string_view line = message.substr(pos, next - pos);
    if (line == "\r\n" || line == "\n") {
      *body_start = next;
      break;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      // A folded line belongs to the field just before it (RFC 5322 §2.2.3); after a skipped line
      // it belongs to nothing.
      if (!fields.empty() && fields.back().raw.data() + fields.back().raw.size() == line.data()) {
        auto& f = fields.back();
        f.raw = std::string_view(f.raw.data(), f.raw.size() + line.size());
      }
    } else {
      size_t colon = line.find(':');
      if (colon != std::string_view::npos && colon > 0) {
        std::string_view name = line.substr(0, colon);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
        fields.push_back({name, line});
      }
    }
    pos = next;
  }
  return fields;
}

std::string media_type(std::string_view v) {
  std::string out;
  size_t i = 0;
  int depth = 0;
  for (; i < v.size(); ++i) {
    char c = v[i];
    if (depth > 0) {
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      }
      continue;
    }
    if (c == '(') {
      ++depth;
      continue;
    }
    if (c == ';') break;
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool is_encrypted(std::string_view message) {
  size_t body_start = 0;
  auto fields = header_fields(message, &body_start);
  std::string type;
  if (const auto* ct = find_field(fields, "content-type")) type = media_type(field_value(*ct));
  if (type == "multipart/encrypted") return true;
  if (!type.empty() && type.rfind("text/", 0) != 0) return false;
  std::string_view body = message.substr(body_start);
  const auto* cte = find_field(fields, "content-transfer-encoding");
  if (cte && iequals(media_type(field_value(*cte)), "base64")) {
    std::string compact;
    for (char c : body.substr(0, kBase64Window))
      if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
    compact.resize(compact.size() / 4 * 4);
    // A window may cut the padding off; strict decoding then fails on the '=' inside, so drop back
    // to whole groups before any '='.
    if (auto eq = compact.find('='); eq != std::string::npos && eq + 2 < compact.size()) compact.resize(eq / 4 * 4);
    auto decoded = sasl::base64_decode(compact);
    return decoded && has_armor_line(*decoded);
  }
  return has_armor_line(body);
}

std::string pgp_mime_message(std::string_view original, std::string_view armored, std::string_view boundary) {
  size_t body_start = 0;
  auto fields = header_fields(original, &body_start);
  std::string out;
  out.reserve(armored.size() + armored.size() / 32 + 1024);
  for (const auto& f : fields) {
    if (!kept_outside(f.name)) continue;
    out += f.raw;
    if (out.back() != '\n') out += "\r\n";
  }
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n boundary=\"";
  out += boundary;
  out += "\"\r\n\r\n";
  out += "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n";
  out += "--";
  out += boundary;
  out += "\r\nContent-Type: application/pgp-encrypted\r\n";
  out += "Content-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n--";
  out += boundary;
  out += "\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n";
  out += "Content-Description: OpenPGP encrypted message\r\n";
  out += "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n";
  // The armor, its lines ending in CRLF whatever RNP wrote.
  for (size_t i = 0; i < armored.size(); ++i) {
    char c = armored[i];
    if (c == '\r') continue;
    if (c == '\n') {
      out += "\r\n";
      continue;
    }
    out += c;
  }
  if (out.back() != '\n') out += "\r\n";
  out += "\r\n--";
  out += boundary;
  out += "--\r\n";
  return out;
}

}  // namespace sealmail::delivery::pgp

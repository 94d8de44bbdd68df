#include "imap/protocol/binary_append.h"

#include <cctype>
#include <vector>

#include "core/base64.h"
#include "imap/protocol/mime_walker.h"
#include "imap/protocol/transfer_encoding.h"

namespace sealmail::imap {

namespace {

struct Replacement {
  size_t begin = 0, end = 0;  // offsets in the message
  std::string text;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// The message's parts nest at most this deep here (deeper ones are stored as given).
constexpr int kMaxDepth = 32;

void collect(std::string_view message, std::string_view bytes, bool digest, int depth, std::vector<Replacement>& out) {
  if (depth > kMaxDepth || bytes.find('\0') == std::string_view::npos) return;
  auto entity = detail::parse_entity(bytes, digest);
  if (entity.is_multipart()) {
    for (auto part : detail::body_parts(entity)) collect(message, part, entity.subtype == "digest", depth + 1, out);
    return;
  }
  if (entity.is_message()) {
    collect(message, entity.body, false, depth + 1, out);
    return;
  }
  if (entity.body.find('\0') == std::string_view::npos) return;
  auto decoded = decode_transfer_encoding(entity.encoding, entity.body);
  std::string content = decoded ? std::move(*decoded) : std::string(entity.body);
  // The header without its Content-Transfer-Encoding, and without the blank line that ends it.
  std::string header;
  std::string_view eol = "\r\n";
  for (auto field : detail::header_fields(entity.header)) {
    // Written with the line ends the header already uses.
    eol = field.size() >= 2 && field.substr(field.size() - 2) == "\r\n" ? "\r\n" : "\n";
    if (iequals(detail::field_name(field), "Content-Transfer-Encoding")) continue;
    header += field;
  }
  header += "Content-Transfer-Encoding: base64";
  header += eol;
  header += eol;
  std::string encoded = sasl::base64_encode(content);
  for (size_t at = 0; at < encoded.size(); at += 76) {
    if (at > 0) header += eol;
    header += encoded.substr(at, 76);
  }
  Replacement r;
  r.begin = static_cast<size_t>(entity.header.data() - message.data());
  r.end = static_cast<size_t>(entity.body.data() + entity.body.size() - message.data());
  r.text = std::move(header);
  out.push_back(std::move(r));
}

}  // namespace

std::optional<std::string> reencode_parts_with_nul(std::string_view message) {
  std::vector<Replacement> replacements;
  collect(message, message, false, 0, replacements);
  if (replacements.empty()) return std::nullopt;
  std::string out;
  out.reserve(message.size() + message.size() / 3);
  size_t at = 0;
  for (auto& r : replacements) {  // found in message order, never overlapping
    out.append(message.substr(at, r.begin - at));
    out += r.text;
    at = r.end;
  }
  out.append(message.substr(at));
  return out;
}

}  // namespace sealmail::imap

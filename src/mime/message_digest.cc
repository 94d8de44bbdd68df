#include "mime/message_digest.h"

#include <gmime/gmime.h>

#include "mime/gmime_ptr.h"
#include "mime/message_info.h"

namespace sealmail::mime {

using detail::GCharPtr;
using detail::GObjectPtr;

namespace {

constexpr int kMaxNesting = 64;

// The header section as written, field by field (GMime moves the top-level Content-* fields to
// the MIME part; reading the bytes keeps every field and its order).
std::vector<std::pair<std::string, std::string>> header_fields(std::string_view raw) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  std::string name, value;
  auto flush = [&] {
    if (name.empty()) return;
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    GCharPtr decoded(g_mime_utils_header_decode_text(nullptr, value.c_str()));
    out.emplace_back(std::move(name), decoded ? std::string(decoded.get()) : value);
    name.clear();
    value.clear();
  };
  while (pos < raw.size()) {
    size_t lf = raw.find('\n', pos);
    size_t end = lf == std::string_view::npos ? raw.size() : lf;
    std::string_view line = raw.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = lf == std::string_view::npos ? raw.size() : lf + 1;
    if (line.empty()) break;  // end of the header section
    if (line.front() == ' ' || line.front() == '\t') {
      value += std::string(line);  // RFC 5322 §2.2.3 unfolding: drop the CRLF, keep the space
      continue;
    }
    flush();
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // not a field: skip it
    name = std::string(line.substr(0, colon));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    value = std::string(line.substr(colon + 1));
  }
  flush();
  return out;
}

std::string address_list(GMimeMessage* msg, GMimeAddressType type) {
  InternetAddressList* list = g_mime_message_get_addresses(msg, type);
  if (list == nullptr || internet_address_list_length(list) == 0) return {};
  GCharPtr s(internet_address_list_to_string(list, nullptr, FALSE));
  return s ? std::string(s.get()) : std::string();
}

std::string stream_bytes(GMimeStream* stream) {
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  return bytes == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

std::string content_type_of(GMimeObject* part) {
  GMimeContentType* type = g_mime_object_get_content_type(part);
  if (type == nullptr) return "application/octet-stream";
  GCharPtr mime(g_mime_content_type_get_mime_type(type));
  return mime ? std::string(mime.get()) : std::string("application/octet-stream");
}

bool is_attachment(GMimeObject* part) {
  GMimeContentDisposition* disp = g_mime_object_get_content_disposition(part);
  if (disp != nullptr && g_mime_content_disposition_is_attachment(disp)) return true;
  GMimeContentType* type = g_mime_object_get_content_type(part);
  return type == nullptr || !g_mime_content_type_is_type(type, "text", "*");
}

void walk(GMimeObject* obj, MessageDigest& d, int depth) {
  if (obj == nullptr || depth > kMaxNesting) return;
  if (GMIME_IS_MULTIPART(obj)) {
    GMimeMultipart* mp = GMIME_MULTIPART(obj);
    for (int i = 0; i < g_mime_multipart_get_count(mp); ++i) walk(g_mime_multipart_get_part(mp, i), d, depth + 1);
    return;
  }
  if (GMIME_IS_MESSAGE_PART(obj)) {
    // An attached message is an attachment: its bytes as GMime writes them back.
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
    DigestAttachment a{"", content_type_of(obj), {}};
    if (inner != nullptr) {
      GObjectPtr<GMimeStream> out(g_mime_stream_mem_new());
      g_mime_object_write_to_stream(GMIME_OBJECT(inner), nullptr, out.get());
      a.content = stream_bytes(out.get());
    }
    d.attachments.push_back(std::move(a));
    return;
  }
  if (!GMIME_IS_PART(obj)) return;
  GMimePart* part = GMIME_PART(obj);
  if (!is_attachment(obj) && GMIME_IS_TEXT_PART(obj)) {
    GMimeContentType* type = g_mime_object_get_content_type(obj);
    bool html = type != nullptr && g_mime_content_type_is_type(type, "text", "html");
    std::string& slot = html ? d.html : d.text;
    if (slot.empty()) {
      GCharPtr text(g_mime_text_part_get_text(GMIME_TEXT_PART(obj)));
      if (text) {
        slot = text.get();
        return;
      }
    } else if (g_mime_content_type_is_type(type, "text", "plain") || html) {
      return;  // a second body of a kind we already have: alternatives, not attachments
    }
  }
  DigestAttachment a;
  if (const char* name = g_mime_part_get_filename(part)) a.filename = name;
  a.content_type = content_type_of(obj);
  if (GMimeDataWrapper* content = g_mime_part_get_content(part)) {
    GObjectPtr<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, out.get());  // undoes base64 / quoted-printable
    a.content = stream_bytes(out.get());
  }
  d.attachments.push_back(std::move(a));
}

}  // namespace

MessageDigest digest(std::string_view raw) {
  init();
  MessageDigest d;
  d.headers = header_fields(raw);
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  GObjectPtr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!msg) return d;
  if (const char* s = g_mime_message_get_subject(msg.get())) d.subject = s;
  d.from = address_list(msg.get(), GMIME_ADDRESS_TYPE_FROM);
  d.to = address_list(msg.get(), GMIME_ADDRESS_TYPE_TO);
  walk(g_mime_message_get_mime_part(msg.get()), d, 0);
  return d;
}

}  // namespace sealmail::mime

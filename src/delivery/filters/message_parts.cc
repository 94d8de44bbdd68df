#include "delivery/filters/message_parts.h"

#include <gmime/gmime.h>

#include <memory>

#include "core/ascii.h"
#include "mime/message_info.h"

namespace sealmail::delivery::filters {

namespace {

struct Unref {
  void operator()(void* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
template <typename T>
using Ptr = std::unique_ptr<T, Unref>;

class Walker {
 public:
  Walker(const PartLimits& limits, MessageParts& out) : limits_(limits), out_(out) {}

  void walk(GMimeObject* object, size_t depth) {
    if (object == nullptr || out_.truncated) return;
    if (depth > limits_.max_depth) {
      out_.truncated = true;
      return;
    }
    if (GMIME_IS_MULTIPART(object)) {
      auto* multipart = GMIME_MULTIPART(object);
      int count = g_mime_multipart_get_count(multipart);
      for (int i = 0; i < count && !out_.truncated; ++i) walk(g_mime_multipart_get_part(multipart, i), depth + 1);
      return;
    }
    if (GMIME_IS_MESSAGE_PART(object)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
      if (inner != nullptr) walk(g_mime_message_get_mime_part(inner), depth + 1);
      return;
    }
    if (!GMIME_IS_PART(object)) return;
    if (out_.parts.size() >= limits_.max_parts) {
      out_.truncated = true;
      return;
    }
    auto* part = GMIME_PART(object);
    MessagePart p;
    if (GMimeContentType* type = g_mime_object_get_content_type(object)) {
      const char* media = g_mime_content_type_get_media_type(type);
      const char* sub = g_mime_content_type_get_media_subtype(type);
      p.content_type = lower(std::string(media ? media : "text") + "/" + (sub ? sub : "plain"));
    }
    if (const char* name = g_mime_part_get_filename(part)) p.filename = name;
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (content != nullptr) {
      Ptr<GMimeStream> mem(g_mime_stream_mem_new());
      // Decodes the transfer encoding into memory (never a file).
      g_mime_data_wrapper_write_to_stream(content, mem.get());
      GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
      if (bytes != nullptr) {
        if (total_ + bytes->len > limits_.max_total_bytes) {
          out_.truncated = true;
          return;
        }
        total_ += bytes->len;
        p.body.assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
      }
    }
    out_.parts.push_back(std::move(p));
  }

 private:
  const PartLimits& limits_;
  MessageParts& out_;
  size_t total_ = 0;
};

}  // namespace

MessageParts message_parts(std::string_view raw, const PartLimits& limits) {
  mime::init();
  MessageParts out;
  Ptr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  Ptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  Ptr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message) return out;
  Walker(limits, out).walk(g_mime_message_get_mime_part(message.get()), 0);
  return out;
}

}  // namespace sealmail::delivery::filters

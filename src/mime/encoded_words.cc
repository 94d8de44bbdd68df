#include "mime/encoded_words.h"

#include <gmime/gmime.h>

#include "mime/gmime_ptr.h"
#include "mime/message_info.h"

namespace sealmail::mime {

namespace {

using Decoder = char* (*)(GMimeParserOptions*, const char*);

std::string decode(std::string_view text, Decoder decoder) {
  init();
  // GMime reads C strings: a NUL inside the text would cut it short; nothing after one is text.
  std::string input(text.substr(0, text.find('\0')));
  detail::GCharPtr decoded(decoder(nullptr, input.c_str()));
  return decoded ? std::string(decoded.get()) : input;
}

}  // namespace

std::string decode_unstructured(std::string_view text) { return decode(text, g_mime_utils_header_decode_text); }

std::string decode_phrase(std::string_view text) { return decode(text, g_mime_utils_header_decode_phrase); }

}  // namespace sealmail::mime

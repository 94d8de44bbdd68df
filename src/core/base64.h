// Base64 (RFC 4648 §4, the standard alphabet with padding) as SASL uses it on the wire
// (RFC 4422 §5, RFC 5034 §4). Decoding is strict because the input comes from the network and
// holds credentials: no whitespace, no line breaks, length a multiple of 4, '=' only as the last
// one or two characters, and the unused bits before the padding must be zero (RFC 4648 §3.5), so
// that every byte string has exactly one accepted encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealmail::sasl {

std::string base64_encode(std::string_view bytes);

// The decoded bytes, or nullopt if `text` is not canonical base64. The empty string decodes to
// the empty string. The result may hold a secret: wipe() it when done.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sealmail::sasl

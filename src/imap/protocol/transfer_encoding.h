// Content-Transfer-Encoding decoding for BINARY (RFC 2045 §6, RFC 3516 §4.2). Lenient the way
// readers must be (RFC 2045 §6.7 note 8 and §6.8): characters outside the base64 alphabet are
// ignored, quoted-printable "=" sequences that are not valid are kept as they are, and the
// white space that ends an encoded line is dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealmail::imap {

// `encoding` is lower case ("" means 7bit). nullopt for an encoding we do not know.
std::optional<std::string> decode_transfer_encoding(std::string_view encoding, std::string_view body);

std::string decode_base64(std::string_view text);
std::string decode_quoted_printable(std::string_view text);

}  // namespace sealmail::imap

// UTF-8 well-formedness (RFC 3629 §4), for text from the network (SASL fields, POP3 UTF8 arguments);
// when the server announces "UTF8 USER" (RFC 6856 §2), and SASL PLAIN identities are UTF-8
// (RFC 4616 §2). Overlong forms, surrogates and code points above U+10FFFF are rejected.
#pragma once

#include <string_view>

namespace sealmail::sasl {

bool valid_utf8(std::string_view text);

// True if every byte is below 0x80.
bool is_ascii(std::string_view text);

}  // namespace sealmail::sasl

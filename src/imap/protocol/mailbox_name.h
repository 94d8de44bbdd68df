// Mailbox names on the wire (RFC 3501 §5.1, §5.1.3; RFC 9051 §5.1, RFC 6855 UTF8=ACCEPT).
// Rules kept here:
//   - "INBOX" is case-insensitive (RFC 9051 §5.1): any spelling of the whole name becomes "INBOX";
//     other names are kept as the client wrote them (the parser does not decode them: whether a
//     name is modified UTF-7 or UTF-8 depends on whether the session ENABLEd UTF8=ACCEPT, which
//     only the server knows);
//   - modified UTF-7 (RFC 3501 §5.1.3): printable US-ASCII other than "&" stands for itself, "&-"
//     is "&", and "&...-" is modified BASE64 (",' for "/") of UTF-16BE. Decoding is strict: a
//     non-canonical encoding (an encoded printable ASCII character, "&" runs that could be merged,
//     non-zero pad bits, unpaired surrogates) is rejected, so one UTF-8 name has one wire form.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealmail::imap {

// "inbox", "Inbox", ... -> "INBOX"; everything else unchanged.
std::string normalize_inbox(std::string name);

// Modified UTF-7 -> UTF-8; nullopt when the text is not valid, canonical modified UTF-7.
std::optional<std::string> decode_mailbox_utf7(std::string_view text);

// UTF-8 -> modified UTF-7. Bytes that are not valid UTF-8 are encoded as U+FFFD.
std::string encode_mailbox_utf7(std::string_view utf8);

// True when the bytes are valid UTF-8 (no overlong forms, no surrogates).
bool is_valid_utf8(std::string_view text);

}  // namespace sealmail::imap

// Mail to an alias with an OpenPGP key (issue 9): the message becomes PGP/MIME (RFC 3156)
// encrypted to that key, before it is stored (mailbox or spool) or forwarded. What is kept outside
// and what counts as encrypted already: pgp_mime.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sealmail::delivery::pgp {

// An ASCII-armored OpenPGP message of `plaintext` (a literal data packet, binary), encrypted to
// the encryption subkey of `key` (a binary transferable public key, as the directory keeps it).
Result<std::string> encrypt_armored(const std::vector<uint8_t>& key, std::string_view plaintext);

// `message` as PGP/MIME encrypted to `key`; a message that is encrypted already comes back as it
// is (`*changed` false).
Result<std::string> encrypt_message(const std::vector<uint8_t>& key, std::string_view message, bool* changed);

}  // namespace sealmail::delivery::pgp

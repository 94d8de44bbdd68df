// IMAP ENVELOPE and BODYSTRUCTURE (RFC 9051 §7.5.2, RFC 3501 §7.4.2) from a GMime message,
// computed once at append so that FETCH answers from stored text (internal to src/mime).
#pragma once

#include <gmime/gmime.h>

#include <string>
#include <string_view>

namespace sealmail::mime {

std::string imap_envelope(GMimeMessage* message);
// `raw` is the message the parser read (with a persistent stream), for body sizes and line counts.
std::string imap_bodystructure(GMimeMessage* message, std::string_view raw);

}  // namespace sealmail::mime

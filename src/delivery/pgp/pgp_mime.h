// PGP/MIME (RFC 3156) around a whole message, and the test whether a message is encrypted already.
// No I/O and no OpenPGP here (the ciphertext comes from message_encryption.h): this is the part
// that reads untrusted message bytes, and fuzz/pgp/fuzz_pgp_mime.cc runs it.
//
// Decisions (issue 9):
// - The whole message as received, every header and the body byte for byte, is what gets
//   encrypted: decrypting gives back exactly what the sender sent, and the inner entity keeps the
//   original Content-Type, so any client reads it as the MIME entity RFC 3156 §4 expects.
// - The outer message keeps copies of the fields that clients show, sort and thread by, and that
//   list tools need (kOuterFields: From, Sender, Reply-To, To, Cc, Date, Subject, Message-ID,
//   In-Reply-To, References, List-*, Auto-Submitted). Subject is kept, not replaced by "..." as
//   protected headers (memory hole, Autocrypt) do: the inner entity is the original message, which
//   carries no protected-headers="v1" marker, so a client would show "..." forever; the sender
//   sent the subject in clear over SMTP, and the server saw it anyway. Everything else (Received,
//   DKIM-Signature, X-*, Content-*) exists only inside the ciphertext.
// - "Already encrypted" (left as it is): a top-level Content-Type multipart/encrypted (whatever its
//   protocol: S/MIME's application/pkcs7-mime is not, and is encrypted again), or a single-part
//   text (or untyped) message whose body (decoded from base64 when so encoded) has a line
//   "-----BEGIN PGP MESSAGE-----" (inline PGP, RFC 4880 §6.2). Inline armor inside a part of a
//   multipart message does not count: the other parts are in clear.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealmail::delivery::pgp {

struct HeaderField {
  std::string_view name;  // as written
  std::string_view raw;   // the whole field, folded lines and the final line break included
};

// The header fields of `message`, in order, and where its body starts (after the empty line; the
// message's size when there is none). Lines of the header block without a colon are skipped.
std::vector<HeaderField> header_fields(std::string_view message, size_t* body_start);

// The media type of a Content-Type field value ("multipart/encrypted"), lower case, without
// parameters or comments; empty when there is none.
std::string media_type(std::string_view content_type_value);

bool is_encrypted(std::string_view message);

// The PGP/MIME message whose encrypted part is `armored` (an ASCII-armored OpenPGP message of the
// whole of `original`), with `original`'s outer fields (see above). Lines end in CRLF.
std::string pgp_mime_message(std::string_view original, std::string_view armored, std::string_view boundary);

}  // namespace sealmail::delivery::pgp

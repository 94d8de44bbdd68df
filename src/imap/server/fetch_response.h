// FETCH responses (RFC 9051 §7.5.2, RFC 3516 BINARY, RFC 7162 MODSEQ): each item written from
// what the store keeps (flags, sizes, dates, ENVELOPE and BODYSTRUCTURE as precomputed wire
// text) or cut byte-exact from the stored message (BODY[section]<partial>).
#pragma once

#include <string>
#include <vector>

#include "imap/protocol/command.h"
#include "imap/server/selected.h"
#include "store/types.h"

namespace sealmail::imap {

// "(\Seen \Flagged $Junk)"; `recent` adds \Recent first (RFC 3501 §2.3.2, the session's own).
std::string flags_text(const store::Flags& flags, bool recent = false);
// Flags as written by the client ("\\Seen", "$Junk") -> the store's form; BAD on \Recent or junk.
store::Flags parse_flags(const std::vector<std::string>& flags);

// Whether the items need the message's bytes (sections, RFC822, BINARY) or its structure.
bool needs_body(const std::vector<FetchItem>& items);
bool needs_structure(const std::vector<FetchItem>& items);
// Whether fetching sets \Seen (BODY[...] and RFC822 without PEEK, RFC 9051 §6.4.5).
bool sets_seen(const std::vector<FetchItem>& items);

struct FetchContext {
  bool utf8 = false;                       // UTF8=ACCEPT: ENVELOPE text in UTF-8 (envelope_utf8.h)
  bool uid_command = false;                // UID FETCH: the UID item is always included (RFC 9051 §6.4.9)
  bool with_modseq = false;                // CONDSTORE: MODSEQ in every response once it was asked or enabled
  const SelectedFolder* folder = nullptr;  // which messages are \Recent for this session
};

// Appends "* seq FETCH (...)\r\n". `raw` is the message when needs_body() said so (else empty).
// Returns false with `error` set for a BINARY of an unknown transfer encoding.
bool write_fetch(std::string& out, uint32_t seq, const store::MessageSummary& message, std::string_view raw,
                 const std::vector<FetchItem>& items, const FetchContext& context, std::string& error);

}  // namespace sealmail::imap

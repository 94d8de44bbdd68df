// What the store needs to know about a message, computed once at append by parsing it with GMime
// (RFC 5322, RFC 2045-2049): indexed header fields, text for full-text search, the byte ranges of
// attachment bodies that may be stored once per content hash, and the IMAP ENVELOPE and
// BODYSTRUCTURE (RFC 3501 §7.4.2 / RFC 9051 §7.5.2) as wire text.
//
// Rules this module keeps: it never changes the message (everything is read from the original
// bytes); it accepts malformed input (missing final boundary, bare LF, 8-bit headers) and still
// returns an answer; it does no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::mime {

// Initialises GMime once per process (idempotent, thread-safe).
void init();

struct ByteRange {
  size_t offset = 0;
  size_t length = 0;
};

struct HeaderFields {
  std::string from, to, cc, bcc, reply_to, sender;  // decoded, display form
  std::string subject;                              // decoded
  std::optional<int64_t> date;                      // Date header, Unix seconds UTC
  std::string date_day;                             // its day as written: sent_day() ("" without)
  std::string message_id;                           // without angle brackets
  std::string in_reply_to;                          // first msg-id, without angle brackets
  std::vector<std::string> references;              // msg-ids, without angle brackets
};

struct MessageInfo {
  HeaderFields fields;
  // Text for the full-text index, case-folded (fold_for_search): substring search compares folded
  // text with a folded query, which is IMAP's case-insensitive match for every script.
  std::string search_headers;          // every header, unfolded and decoded, one per line
  std::string search_body;             // decoded text of text/plain and text/html parts, UTF-8
  std::vector<ByteRange> attachments;  // bodies worth storing once (sorted, disjoint)
  std::string imap_envelope;
  std::string imap_bodystructure;
  bool has_attachment = false;
};

struct AnalyzeOptions {
  size_t min_attachment_size = 4096;     // smaller bodies stay inline
  size_t max_search_text = 1024 * 1024;  // cap on text kept for the full-text index
  bool search_text = true;               // false: leave search_headers/search_body empty (cheaper)
};

MessageInfo analyze(std::string_view raw, const AnalyzeOptions& options = {});

// Unicode case folding (GLib's g_utf8_casefold) of text made valid UTF-8 first: "Straße" and
// "STRASSE" fold alike.
std::string fold_for_search(std::string_view text);

// The day of a Date header as written, in the header's own zone ("Mon, 15 Mar 2021 23:30 -0500"
// gives "2021-03-15"): what SENTBEFORE/SENTON/SENTSINCE compare, "disregarding time and timezone"
// (RFC 9051 §6.4.4). "" when the text is not a date.
std::string sent_day(std::string_view date_header);
// The Date header text kept in an ENVELOPE that analyze() wrote (its first field); "" when NIL or
// unreadable. For mailboxes stored before the day was kept.
std::string envelope_date(std::string_view imap_envelope);

}  // namespace sealmail::mime

// DKIM verification (RFC 6376 §6, RFC 8463) of every DKIM-Signature field of an inbound message,
// and the canonicalization and header selection that ARC (arc.h) shares with it.
//
// Rules it keeps:
// - Canonicalization simple and relaxed for headers and body (§3.4), the l= body length (§3.5),
//   header fields selected from the bottom up, each instance used once, names in h= that match no
//   field hashing nothing (§5.4.2); the signature field itself hashed with its b= value removed
//   and without its CRLF (§3.7).
// - A signature without From in h=, with an i= outside d=, an expired x=, or a tag missing is a
//   permerror and never a pass (§6.1.1). At most 8 signatures of a message are checked.
// - Results name the signing domain and selector and the first 8 characters of b= (RFC 6008),
//   never anything of the message's content.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/auth/dkim_key.h"
#include "delivery/auth/dns_records.h"
#include "delivery/auth/tag_list.h"
#include "smtp/outbound/dkim_canon.h"

namespace sealmail::delivery::auth {

enum class DkimResult { none, pass, fail, policy, neutral, temperror, permerror };
const char* to_string(DkimResult r);

struct DkimVerdict {
  DkimResult result = DkimResult::none;
  std::string domain;    // d=
  std::string selector;  // s=
  std::string algorithm;
  std::string b_prefix;  // header.b
  std::string reason;    // for the header's comment: never content
};

// `message` with CRLF line endings (dkim_canon.h normalize_line_endings).
boost::asio::awaitable<std::vector<DkimVerdict>> verify_dkim(DnsRecords& dns, std::string_view message,
                                                             int64_t unix_now);

// -- shared with ARC --
std::string canonical_header(std::string_view raw_field, bool relaxed);  // without CRLF
std::string canonical_body(std::string_view body, bool relaxed);
// The canonical data of the fields named in `h` (colon-separated), each followed by CRLF.
std::string hashed_headers(const smtp::outbound::SplitMessage& message, std::string_view h, bool relaxed);
// `raw_field` ("Name: tags") with the value of its b= tag removed; `tags` was parsed from the text
// after the colon.
std::string without_b_value(std::string_view raw_field, const TagList& tags);
// The tag list of a field's value (after the colon). nullopt: not a tag list.
std::optional<TagList> field_tags(std::string_view raw_field);

}  // namespace sealmail::delivery::auth

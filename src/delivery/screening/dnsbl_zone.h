// DNS blocklists (RFC 5782): the name asked for a client address in a zone, and which answers mean
// "listed". No I/O (dnsbl.h does the lookups); fuzzed (fuzz/screening).
//
// Rules kept:
// - IPv4: the four octets reversed, then the zone ("2.0.0.127.zen.example", RFC 5782 §2.1); IPv6:
//   the 32 nibbles of the address reversed (§2.4); an IPv4-mapped IPv6 address is its IPv4.
// - Only the A records inside a zone's answer ranges count. The default range is 127.0.0.2 to
//   127.0.0.255 (§2.3: 127.0.0.2 up are listings): Spamhaus's error answers (127.255.255.252
//   typing error, .254 public resolver, .255 too many queries) are outside it and never refuse
//   mail, as Postfix's reject_rbl_client d.d.d.d=127.0.0.[2..255] and mox's default do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sealmail::delivery::screening {

enum class DnsblAction { refuse, junk };

struct AnswerRange {
  uint32_t low = 0, high = 0;  // IPv4 addresses as numbers, both included
};

struct DnsblZone {
  std::string name;  // lower case, no trailing dot
  DnsblAction action = DnsblAction::refuse;
  std::vector<AnswerRange> answers;  // empty: default_answers()
};

std::vector<AnswerRange> default_answers();
// "127.0.0.2" or "127.0.0.2-127.0.0.255".
Result<AnswerRange> parse_answer_range(std::string_view text);
// A zone name as configured: letters, digits, '-', '_' and dots, at most 200 octets (so that the
// longest query, 64 IPv6 nibble labels, fits DNS's 253).
Result<std::string> check_zone_name(std::string_view name);
// The name to ask for `client_ip` in `zone`; none when `client_ip` is not an IP address.
std::optional<std::string> dnsbl_query_name(std::string_view client_ip, std::string_view zone);
// Whether any of the A records `answers` (text form) is one the zone lists with.
bool listed_by(const DnsblZone& zone, const std::vector<std::string>& answers);
// The zone's TXT record for a listing, as Postfix adds it to its reply (where to ask for removal):
// the first record, made one line of printable ASCII without ';', at most 200 octets; "" for none.
std::string dnsbl_reason(const std::vector<std::string>& txt);
const char* to_string(DnsblAction action);

}  // namespace sealmail::delivery::screening

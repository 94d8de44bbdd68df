// Reading the answer section of a DNS reply (RFC 1035 §4.1) for the record types mail
// authentication needs: TXT (SPF, DKIM keys, DMARC), A, AAAA and MX (SPF's a and mx). Written
// here rather than with c-ares's ares_parse_*_reply because those do not return a TXT record's
// TTL, which the cache needs; names inside records are expanded by c-ares (ares_expand_name, which
// bounds compression pointers). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sealmail::delivery::auth {

inline constexpr int kDnsA = 1, kDnsMx = 15, kDnsTxt = 16, kDnsAaaa = 28;

struct DnsRecordSet {
  std::vector<std::string> values;  // TXT: strings joined; A/AAAA: text form; MX: exchange name
  uint32_t ttl = 0;                 // the smallest TTL of the records returned
};

// The records of `type` in `reply`; nullopt when the reply is malformed. Counts and lengths are
// checked against the buffer; at most 64 records are read.
std::optional<DnsRecordSet> parse_dns_answer(const std::vector<unsigned char>& reply, int type);

}  // namespace sealmail::delivery::auth

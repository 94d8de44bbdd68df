// Envelope address syntax: RFC 5321 §4.1.2 (Path, Mailbox, Local-part, Domain), §4.1.3 (address
// literals), §4.5.3.1 (size limits), extended for internationalized addresses by RFC 6531 §3.3
// (UTF-8 in atext, qtextSMTP and U-label sub-domains, only with SMTPUTF8).
//
// Decisions:
//   - sub-domains are LDH labels of at most 63 octets (RFC 1035 §2.3.4) with no trailing dot; a
//     U-label is accepted as valid UTF-8 without the IDNA2008 checks (no IDNA library in a parser
//     that links core only; the address is looked up, not resolved, by this server);
//   - address literals: IPv4 (each number 0..255, RFC 5321 §4.1.3 Snum) and "IPv6:" (RFC 5321
//     §4.1.3: without "::" exactly 8 groups; with "::" at most 6 others, IPv4 tail counting as 2).
//     General-address-literals need an IANA-registered tag and none but IPv6 exists: refused;
//   - the local part is returned as sent (quotes and quoted-pairs included): RFC 5321 §2.4 lets
//     only the receiving host interpret it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sealmail::smtp {

// RFC 5321 §4.5.3.1.1-3.
inline constexpr size_t kMaxLocalPart = 64;
inline constexpr size_t kMaxDomain = 255;
inline constexpr size_t kMaxPath = 256;  // including "<", ">" and a source route

enum class PathKind : uint8_t {
  reverse,  // MAIL FROM: "<>" allowed (RFC 5321 §4.1.1.2)
  forward,  // RCPT TO: "<Postmaster>" allowed (RFC 5321 §4.1.1.3)
};

enum class AddressStatus : uint8_t {
  ok,
  bad_syntax,     // 553: not a Mailbox (or a local part/domain over its limit)
  path_too_long,  // 501: RFC 5321 §4.5.3.1.10 "Path too long"
  non_ascii,      // 553 5.6.7: UTF-8 without SMTPUTF8 (RFC 6531 §3.5)
};

// Where the path that starts `s` (with '<') ends: the index just past its closing '>', skipping
// quoted strings; npos if `s` does not start with '<' or the path is not closed.
size_t path_end(std::string_view s);

// Checks `path` (with its angle brackets) and on success sets `address` to the mailbox without
// brackets and without source route ("" for "<>").
AddressStatus parse_path(std::string_view path, PathKind kind, bool utf8, std::string& address);

// RFC 5321 Mailbox: Local-part "@" ( Domain / address-literal ), limits included.
bool valid_mailbox(std::string_view mailbox, bool utf8);
// RFC 5321 Domain (U-labels too when `utf8`), at most 255 octets.
bool valid_domain(std::string_view domain, bool utf8);
// RFC 5321 §4.1.3 address-literal with its brackets: "[192.0.2.1]", "[IPv6:2001:db8::1]".
bool valid_address_literal(std::string_view literal);

// The argument of HELO/EHLO (RFC 5321 §4.1.1.1): a Domain or an address literal, ASCII only.
// Underscores are tolerated in labels: many hosts are named so, and refusing their greeting
// would refuse their mail for no gain (Postfix accepts any HELO by default).
bool valid_helo_domain(std::string_view domain);

}  // namespace sealmail::smtp

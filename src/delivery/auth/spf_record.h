// SPF records (RFC 7208 §4.6, §12): the terms of a "v=spf1" record, and macro expansion (§7).
// No I/O: the evaluator (spf.h) asks DNS and walks the terms.
//
// Rules this parser keeps:
// - A record is "v=spf1" followed by SP or its end, case-insensitively (§4.5).
// - Any syntax error, an unknown mechanism, or redirect= / exp= given twice makes the whole
//   record a permerror (§4.6, §6); unknown modifiers (name=value) are ignored.
// - CIDR lengths are checked against 32 / 128 (§5.6).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealmail::delivery::auth {

enum class SpfResult { none, neutral, pass, fail, softfail, temperror, permerror };
const char* to_string(SpfResult r);

struct SpfTerm {
  enum class Kind { all, include, a, mx, ptr, ip4, ip6, exists };
  Kind kind = Kind::all;
  char qualifier = '+';     // + - ~ ?
  std::string domain_spec;  // include, a, mx, ptr, exists (may hold macros); ip4/ip6: the address
  int cidr4 = 32;
  int cidr6 = 128;
};

struct SpfRecord {
  std::vector<SpfTerm> terms;
  std::optional<std::string> redirect;
};

// True when `txt` is an SPF record (starts with the version).
bool is_spf_record(std::string_view txt);
// nullopt: a permerror.
std::optional<SpfRecord> parse_spf_record(std::string_view txt);

// The values macros are expanded with (§7.3).
struct SpfMacroContext {
  std::string sender;  // local-part@domain (postmaster@helo when the reverse-path is null)
  std::string domain;  // the <domain> of this check_host()
  std::string ip;      // the client's address in text form
  bool ipv6 = false;
  std::string helo;
  std::string receiver;  // our host name (r)
};

// nullopt: a malformed macro (a permerror). Results longer than 253 characters are cut from the
// left, label by label (§7.3).
std::optional<std::string> expand_spf_macros(std::string_view spec, const SpfMacroContext& context);

}  // namespace sealmail::delivery::auth

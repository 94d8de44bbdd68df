// libFuzzer target for SPF records and macros (RFC 7208 §4.6, §7), src/delivery/auth/spf_record.h.
// Invariants: a parsed record's CIDR lengths are in range and its terms are bounded; macro
// expansion of any input never yields more than 253 characters.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "delivery/auth/spf_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sealmail::delivery::auth;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto record = parse_spf_record(text)) {
    if (record->terms.size() > 101) std::abort();
    for (const auto& t : record->terms)
      if (t.cidr4 < 0 || t.cidr4 > 32 || t.cidr6 < 0 || t.cidr6 > 128) std::abort();
  }
  SpfMacroContext ctx{"alice@example.org", "example.org", "2001:db8::1", true, "mx.example.org", "mail.test"};
  if (auto expanded = expand_spf_macros(text, ctx))
    if (expanded->size() > 253) std::abort();
  ctx.ipv6 = false;
  ctx.ip = "192.0.2.1";
  if (auto expanded = expand_spf_macros(text, ctx))
    if (expanded->size() > 253) std::abort();
  return 0;
}

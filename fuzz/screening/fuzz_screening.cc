// libFuzzer target for the screening's parsers (src/delivery/screening, issue 9): rspamd's /checkv2
// answer (rspamd_reply.h) and the DNSBL pieces (dnsbl_zone.h). Invariants:
//   1. a parsed rspamd verdict has at most 32 symbols, each printable ASCII without ',' or ';',
//      sorted, and describe() is one line of printable ASCII;
//   2. a DNSBL query name, when made, ends with the zone and has at most 64 labels before it, each
//      a decimal octet or a hex nibble;
//   3. an answer range that parses has low <= high, and listed_by never crashes;
//   4. a DNSBL reason (TXT) is at most 200 octets of printable ASCII without ';'.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "delivery/screening/dnsbl_zone.h"
#include "delivery/screening/rspamd_reply.h"

namespace {

using namespace sealmail::delivery::screening;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_screening: invariant broken: %s\n", what);
  std::abort();
}

bool printable(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto v = parse_rspamd_reply(in)) {
    if (v->symbols.size() > 32) fail("too many symbols");
    for (size_t i = 0; i < v->symbols.size(); ++i) {
      const auto& s = v->symbols[i];
      if (s.empty() || s.size() > 64 || !printable(s) || s.find_first_of(",; ") != std::string::npos)
        fail("bad symbol name");
      if (i && v->symbols[i - 1] > s) fail("symbols not sorted");
    }
    if (!printable(describe(*v))) fail("describe not printable");
  }
  if (auto name = dnsbl_query_name(in, "bl.test")) {
    if (name->size() < 8 || name->compare(name->size() - 8, 8, ".bl.test") != 0) fail("query name without zone");
    std::string_view labels(name->data(), name->size() - 8);
    size_t count = 1;
    for (char c : labels) {
      if (c == '.') {
        ++count;
      } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        fail("query label not a number or nibble");
      }
    }
    if (count > 64) fail("too many labels");
  }
  if (auto r = parse_answer_range(in)) {
    if (r->low > r->high) fail("range backwards");
    DnsblZone zone{"bl.test", DnsblAction::refuse, {*r}};
    (void)listed_by(zone, {std::string(in), "127.0.0.2"});
  }
  (void)check_zone_name(in);
  std::string reason = dnsbl_reason({std::string(in)});
  if (reason.size() > 200 || !printable(reason) || reason.find(';') != std::string::npos) fail("bad reason");
  return 0;
}

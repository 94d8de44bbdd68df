// libFuzzer target for the domain checks (src/delivery/filters/domain_checks.h) and clamd's answer
// parser (clamd_client.h). Invariants:
//   1. host_of gives a lowercase host without "/", "?", "#", "@" or a final dot, at most 253 bytes;
//   2. same_site is reflexive;
//   3. spoofed_host never crashes on any bytes (punycode through libidn2, scripts through ICU);
//   4. a clamd verdict's detail is printable ASCII of at most 128 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "delivery/filters/clamd_client.h"
#include "delivery/filters/domain_checks.h"

namespace {

using namespace sealmail::delivery::filters;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_filters_domain: invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string host = host_of(in);
  if (host.size() > 253) fail("host too long");
  if (host.find_first_of("/?#@") != std::string::npos) fail("host holds a delimiter");
  if (!host.empty() && host.back() == '.') fail("host ends with a dot");
  for (char c : host)
    if (c >= 'A' && c <= 'Z') fail("host not lowercased");
  if (!same_site(host, host)) fail("same_site not reflexive");
  (void)spoofed_host(host);
  (void)spoofed_host(in);
  if (auto shown = domain_in_text(in)) (void)spoofed_host(*shown);
  ClamdVerdict v = parse_clamd_answer(in);
  if (v.kind == ClamdVerdict::Kind::infected) {
    if (v.detail.size() > 128) fail("signature name too long");
    for (char c : v.detail)
      if (c < 0x21 || c > 0x7e) fail("signature name not printable");
  }
  return 0;
}

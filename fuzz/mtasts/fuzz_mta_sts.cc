// libFuzzer target for MTA-STS's parsers (delivery/mtasts/policy.h). Byte 0 chooses: 0 the TXT
// record, 1 the policy file (then every mx pattern is matched against a few host names), 2 a
// pattern and a host split at the first newline.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "delivery/mtasts/policy.h"

using namespace sealmail::delivery::mtasts;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto r = parse_txt(in);
      if (r && (r->id.empty() || r->id.size() > 32)) __builtin_trap();
      break;
    }
    case 1: {
      auto p = parse_policy(in);
      if (p) {
        if (p->max_age < 0 || p->max_age > kMaxMaxAge || p->mx.size() > kMaxMxPatterns) __builtin_trap();
        if (p->mode != Mode::none && p->mx.empty()) __builtin_trap();
        for (const char* host : {"mx.example.com", "a.b.example.com", "example.com", "", "."})
          (void)policy_allows(*p, host);
      }
      break;
    }
    default: {
      auto nl = in.find('\n');
      std::string_view pattern = in.substr(0, nl), host = nl == std::string_view::npos ? "" : in.substr(nl + 1);
      (void)mx_matches(pattern, host);
      break;
    }
  }
  return 0;
}

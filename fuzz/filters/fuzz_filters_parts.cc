// libFuzzer target for the attachment checks (src/delivery/filters: message_parts.h, executables.h,
// phishing.h): the input is read as a whole message, and also taken as one attachment's bytes.
// Invariants: no crash, no leak, bounded work (the limits of PartLimits and ExecutableLimits);
// the part walker keeps within its part count; a reason, when given, is short printable text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "delivery/filters/executables.h"
#include "delivery/filters/message_parts.h"
#include "delivery/filters/phishing.h"

namespace {

using namespace sealmail::delivery::filters;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_filters_parts: invariant broken: %s\n", what);
  std::abort();
}

void check_reason(const std::optional<std::string>& reason) {
  if (!reason) return;
  if (reason->empty() || reason->size() > 200) fail("reason length");
  for (char c : *reason)
    if (c < 0x20 || c > 0x7e) fail("reason not printable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  PartLimits limits;
  limits.max_parts = 50;
  limits.max_total_bytes = 1u << 20;
  MessageParts parts = message_parts(in, limits);
  if (parts.parts.size() > limits.max_parts) fail("too many parts");
  for (const auto& p : parts.parts) check_reason(executable_content(p.body, p.filename));
  (void)phishing_signs(parts, default_shorteners());
  ExecutableLimits small;
  small.max_inflated_bytes = 1u << 20;
  check_reason(executable_content(in, "", small));
  return 0;
}

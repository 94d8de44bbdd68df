// libFuzzer target for the IMAP client's response parser (src/imap/client/response_parser.h), fed
// as the import client feeds it: a server's byte stream, parsed response after response. The
// first byte picks the size of the "reads" the buffer grows by. Invariants:
//   1. a whole response consumes at least one byte and no more than the buffer holds;
//   2. NeedMore asks for more than the buffer holds, and growing the buffer to that size never
//      changes an earlier decision into a different whole response;
//   3. limits hold: no literal above max_literal, no list deeper than max_depth;
//   4. nothing crashes, leaks or reads out of bounds (ASan/UBSan).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "imap/client/response_parser.h"

namespace {

using namespace sealmail::imap::client;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

size_t depth_of(const Value& v, size_t max_literal) {
  if (v.kind == Value::Kind::string && v.text.size() > max_literal) fail("literal over the limit");
  size_t d = 0;
  for (const auto& i : v.items) d = std::max(d, depth_of(i, max_literal));
  return v.kind == Value::Kind::list ? d + 1 : d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t step = 1 + data[0] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  ParserLimits limits;
  limits.max_literal = 4096;
  limits.max_text = 8192;
  limits.max_depth = 8;
  std::string buffer;
  size_t fed = 0;
  for (;;) {
    auto r = parse_response(buffer, limits);
    if (!r) return 0;  // a protocol error ends the session
    if (auto* whole = std::get_if<std::pair<Response, size_t>>(&*r)) {
      if (whole->second == 0 || whole->second > buffer.size()) fail("consumed a bad count");
      if (whole->first.tag.empty()) fail("empty tag");
      for (const auto& v : whole->first.values)
        if (depth_of(v, limits.max_literal) > limits.max_depth + 1) fail("nested too deep");
      // Parsing only the consumed prefix gives the same response.
      auto again = parse_response(std::string_view(buffer).substr(0, whole->second), limits);
      if (!again) fail("the consumed prefix alone does not parse");
      auto* same = std::get_if<std::pair<Response, size_t>>(&*again);
      if (same == nullptr || same->second != whole->second || same->first.tag != whole->first.tag ||
          same->first.status != whole->first.status || same->first.text != whole->first.text ||
          same->first.values.size() != whole->first.values.size())
        fail("the consumed prefix parses differently");
      buffer.erase(0, whole->second);
      continue;
    }
    size_t need = std::get<NeedMore>(*r).total;
    if (need <= buffer.size()) fail("NeedMore asks for what the buffer has");
    if (fed >= stream.size()) return 0;
    size_t n = std::min(stream.size() - fed, std::max(step, need - buffer.size()));
    buffer.append(stream.substr(fed, n));
    fed += n;
  }
}

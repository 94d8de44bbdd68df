// libFuzzer target for src/delivery/pgp/pgp_mime.h: the input is a whole message.
// Invariants: no crash, no leak; every header field lies inside the message, in order, with a
// non-empty name and its raw text starting with that name; the body starts within the message;
// the media type is lower case without white space; and the PGP/MIME message built around the
// input counts as encrypted (so a forwarded copy is never encrypted twice) and ends with its
// closing delimiter.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "delivery/pgp/pgp_mime.h"

namespace {

using namespace sealmail::delivery::pgp;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_pgp_mime: invariant broken: %s\n", what);
  std::abort();
}

constexpr std::string_view kArmor =
    "-----BEGIN PGP MESSAGE-----\n\nhF4DAAAAAAAAAAASAQdA\n=AAAA\n-----END PGP MESSAGE-----\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view message(reinterpret_cast<const char*>(data), size);
  size_t body = 0;
  auto fields = header_fields(message, &body);
  if (body > message.size()) fail("body start");
  const char* last = message.data();
  for (const auto& f : fields) {
    if (f.name.empty()) fail("empty name");
    if (f.raw.data() < last || f.raw.data() + f.raw.size() > message.data() + message.size()) fail("field bounds");
    if (f.raw.substr(0, f.name.size()) != f.name) fail("raw does not start with the name");
    last = f.raw.data() + f.raw.size();
  }
  for (const auto& f : fields) {
    auto colon = f.raw.find(':');
    if (colon == std::string_view::npos) fail("no colon");
    std::string type = media_type(f.raw.substr(colon + 1));
    for (char c : type)
      if (std::isspace(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c)))
        fail("media type not folded");
  }
  (void)is_encrypted(message);
  std::string wrapped = pgp_mime_message(message, kArmor, "sealmail-pgp-fuzz");
  if (!is_encrypted(wrapped)) fail("the PGP/MIME message does not count as encrypted");
  static constexpr std::string_view kEnd = "\r\n--sealmail-pgp-fuzz--\r\n";
  if (wrapped.size() < kEnd.size() || wrapped.compare(wrapped.size() - kEnd.size(), kEnd.size(), kEnd) != 0)
    fail("no closing delimiter");
  return 0;
}

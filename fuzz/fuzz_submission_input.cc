// libFuzzer target for what submission reads from a logged-in (or not yet logged-in) client
// beyond the SMTP command parser: SASL LOGIN answers (core/sasl_login.h), SASL PLAIN responses
// (core/sasl_plain.h), header fields of the submitted message and the From address list
// (mime/header_fields.h). Invariants:
//   1. a LOGIN field decodes only to 1..255 octets of UTF-8 without NUL;
//   2. a PLAIN response decodes only to a non-empty user and password of at most 255 octets;
//   3. every header value has no CR or LF at its ends and is found again by a case-changed name;
//   4. every address from address_list() has a non-empty local part and domain around its '@'.
// A broken invariant prints what broke and aborts, so libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/sasl_login.h"
#include "core/sasl_plain.h"
#include "core/utf8.h"
#include "mime/header_fields.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_submission_input: invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  using namespace sealmail;

  if (auto field = sasl::decode_sasl_login_field(input)) {
    check(!field->empty() && field->size() <= 255, "LOGIN field length");
    check(field->find('\0') == std::string::npos, "LOGIN field holds NUL");
    check(sasl::valid_utf8(*field), "LOGIN field not UTF-8");
  }
  if (auto plain = sasl::decode_sasl_plain(input)) {
    check(!plain->authcid.empty() && !plain->password.empty(), "PLAIN empty field");
    check(plain->authcid.size() <= 255 && plain->password.size() <= 255, "PLAIN field length");
    plain->wipe();
  }

  auto from = mime::header_field_values(input, "From");
  auto again = mime::header_field_values(input, "fROM");
  check(from == again, "header names compare case-sensitively");
  for (auto& value : from) {
    check(value.empty() ||
              (value.front() != '\r' && value.front() != '\n' && value.back() != '\r' && value.back() != '\n'),
          "header value keeps a line end");
    if (auto list = mime::address_list(value)) {
      for (auto& address : *list) {
        size_t at = address.rfind('@');
        check(at != std::string::npos && at > 0 && at + 1 < address.size(), "address without local part or domain");
      }
    }
  }
  (void)mime::address_list(input);
  return 0;
}

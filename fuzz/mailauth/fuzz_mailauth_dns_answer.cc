// libFuzzer target for the DNS answer reader (RFC 1035 §4.1), src/delivery/auth/dns_answer.h:
// any bytes, read as a reply for each record type, must neither crash nor read outside the buffer
// (ASan), and a reply yields at most 64 records.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "delivery/auth/dns_answer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sealmail::delivery::auth;
  std::vector<unsigned char> reply(data, data + size);
  for (int type : {kDnsTxt, kDnsA, kDnsAaaa, kDnsMx}) {
    auto set = parse_dns_answer(reply, type);
    if (set && set->values.size() > 64) std::abort();
  }
  return 0;
}

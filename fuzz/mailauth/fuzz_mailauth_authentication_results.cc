// libFuzzer target for Authentication-Results (RFC 8601 §2.2), src/delivery/auth/
// authentication_results.h. Invariants: what parses, formatted again, parses to the same
// authserv-id and the same methods and results; stripping our fields from a message made of the
// input never makes it longer and never leaves a field that claims our id.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "delivery/auth/authentication_results.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sealmail::delivery::auth;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto parsed = parse_authentication_results(text)) {
    bool simple = parsed->authserv_id.find_first_of(" \t\r\n;()\"=") == std::string::npos;
    for (const auto& r : parsed->results) {
      for (const auto* s : {&r.method, &r.result})
        simple = simple && !s->empty() && s->find_first_of(" \t\r\n;()\"=\\") == std::string::npos;
      for (const auto& [k, v] : r.properties)
        simple = simple && k.find_first_of(" \t\r\n;()\"=\\") == std::string::npos &&
                 v.find_first_of(" \t\r\n;()\"\\") == std::string::npos && !v.empty();
    }
    if (simple) {
      auto again = parse_authentication_results(format_authentication_results_value(*parsed));
      if (!again || again->authserv_id != parsed->authserv_id || again->results.size() != parsed->results.size())
        std::abort();
      for (size_t i = 0; i < again->results.size(); ++i)
        if (again->results[i].method != parsed->results[i].method ||
            again->results[i].result != parsed->results[i].result)
          std::abort();
    }
  }
  std::string message = "Authentication-Results: " + std::string(text) + "\r\nSubject: x\r\n\r\nbody\r\n";
  size_t removed = 0;
  std::string out = strip_authentication_results(message, "mail.test", removed);
  if (out.size() > message.size()) std::abort();
  size_t again = 0;
  (void)strip_authentication_results(out, "mail.test", again);
  if (again != 0) std::abort();
  return 0;
}

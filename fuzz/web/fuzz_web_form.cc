// Feeds arbitrary bytes to parse_form (as a body and with tight limits) and cookie_value, and
// checks what a parse promises: within the limits, names of the allowed characters, no duplicates.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "admin/web/form.h"

using namespace sealmail::admin::web;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (FormLimits limits : {FormLimits{}, FormLimits{3, 4, 8, 64}}) {
    auto form = parse_form(input, limits);
    if (!form) continue;
    if (form->size() > limits.max_fields) std::abort();
    for (auto& [name, value] : *form) {
      if (name.empty() || name.size() > limits.max_name || value.size() > limits.max_value) std::abort();
      for (char c : name)
        if (c == '=' || c == '&' || c == '%' || c == ' ') std::abort();
    }
    wipe(*form);
    if (!form->empty()) std::abort();
  }
  auto cookie = cookie_value(input, "__Host-sealmail");
  if (cookie && (cookie->find(';') != std::string::npos || cookie->size() > input.size())) std::abort();
  return 0;
}

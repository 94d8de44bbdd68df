// libFuzzer target for tag=value lists (RFC 6376 §3.2: DKIM-Signature, DKIM keys, ARC fields,
// DMARC records), src/delivery/auth/tag_list.h. Invariants: every tag's name is non-empty and
// unique; its value offsets lie inside the input in order, and the trimmed value is inside them.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "delivery/auth/tag_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = sealmail::delivery::auth::parse_tag_list(text);
  if (!list) return 0;
  size_t last = 0;
  for (size_t i = 0; i < list->tags.size(); ++i) {
    const auto& t = list->tags[i];
    if (t.name.empty() || t.value_begin > t.value_end || t.value_end > size || t.value_begin < last) std::abort();
    last = t.value_end;
    auto raw = text.substr(t.value_begin, t.value_end - t.value_begin);
    if (!t.value.empty() && (t.value.data() < raw.data() || t.value.data() + t.value.size() > raw.data() + raw.size()))
      std::abort();
    for (size_t j = 0; j < i; ++j)
      if (list->tags[j].name == t.name) std::abort();
    if (list->find(t.name) != &t) std::abort();
  }
  return 0;
}

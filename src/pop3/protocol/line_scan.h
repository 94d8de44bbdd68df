// Internal to the protocol library: finding every LF in a buffer quickly. append_dot_stuffed()
// and transmitted_size() run over whole messages on the RETR path; calling memchr once per line
// costs more than the copy itself on typical 70-80 byte lines, so lines are found 32 bytes at a
// time with SSE2 compares (part of every x86-64 CPU) and a plain loop elsewhere.
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sealmail::pop3::detail {

// Calls on_lf(pointer to the LF) for every '\n' in [p, end), in order.
template <typename F>
inline void for_each_lf(const char* p, const char* end, F&& on_lf) {
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n');
  for (; end - p >= 32; p += 32) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, lf))) |
                static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, lf))) << 16;
    while (mask != 0) {
      on_lf(p + __builtin_ctz(mask));
      mask &= mask - 1;
    }
  }
#endif
  for (; p < end; ++p)
    if (*p == '\n') on_lf(p);
}

}  // namespace sealmail::pop3::detail

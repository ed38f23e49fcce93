// The vector copy behind copy_bytes (copy.hpp): 16-byte unaligned loads and stores, four per
// step, which runs at memcpy's speed whatever the relative offset (SSE2: every x86-64 has it).
#include "base/copy.hpp"

#include <emmintrin.h>

namespace efampi::detail {

void copy_forward(void* dst, const void* src, size_t n) noexcept {
    auto* d = static_cast<uint8_t*>(dst);
    const auto* s = static_cast<const uint8_t*>(src);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 16));
        __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 32));
        __m128i e = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 48));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), a);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i + 16), b);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i + 32), c);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i + 48), e);
    }
    if (i < n) std::memcpy(d + i, s + i, n - i);  // under 64 bytes: no rep movsb
}

}  // namespace efampi::detail

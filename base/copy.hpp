#pragma once
// Byte copies of message data. glibc's memcpy is slow at some relative page offsets of
// destination and source (docs/performance.md, "Copies and page offsets", has the measurement
// and its figures), and message copies meet those offsets often. copy_bytes takes a vector
// loop from 2 KiB up when the destination is 1-63 bytes past the source modulo a page, and
// memcpy elsewhere: the window is twice the measured slow one (1-31) as a margin, which costs
// nothing since the loop runs at memcpy's speed at any offset.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace efampi {

namespace detail {
void copy_forward(void* dst, const void* src, size_t n) noexcept;  // 64 bytes per step
}

// memcpy (no overlap), fast at every relative offset.
inline void copy_bytes(void* dst, const void* src, size_t n) noexcept {
    uintptr_t rel = (reinterpret_cast<uintptr_t>(dst) - reinterpret_cast<uintptr_t>(src)) & 4095;
    if (n >= 2048 && rel - 1 < 63) return detail::copy_forward(dst, src, n);
    std::memcpy(dst, src, n);
}

// memmove: overlapping ranges go to memmove, others to copy_bytes.
inline void move_bytes(void* dst, const void* src, size_t n) noexcept {
    auto d = reinterpret_cast<uintptr_t>(dst), s = reinterpret_cast<uintptr_t>(src);
    if ((d > s ? d - s : s - d) < n) std::memmove(dst, src, n);
    else copy_bytes(dst, src, n);
}

}  // namespace efampi

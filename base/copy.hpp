#pragma once
// Byte copies of message data. glibc's memcpy copies 2 KiB - 1 MiB with `rep movsb`, which on
// the AMD EPYC CPUs measured here (and the ones of EFA's hpc6a/hpc7a instances are AMD too) runs
// ~20x slower when the destination sits 1-31 bytes past the source modulo 4096: 32 KiB in
// 14.6 us instead of 0.76 (docs/performance.md, "Copies"). A receive buffer from malloc (at
// page + 16) against a page-aligned send buffer, or a ring slot against a user buffer, lands
// there. copy_bytes takes a vector loop in that window and memcpy elsewhere.
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

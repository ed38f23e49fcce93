#pragma once
// Helpers shared by the algorithms (private to collectives/).
#include <cstdint>
#include <vector>

#include "collectives/schedule.hpp"

namespace efampi::coll::detail {

inline int pow2_floor(int p) {
    int q = 1;
    while (q * 2 <= p) q *= 2;
    return q;
}
inline int ceil_log2(int p) {
    int k = 0;
    while ((1 << k) < p) ++k;
    return k;
}
inline uint8_t* at(void* base, uint64_t off) { return static_cast<uint8_t*>(base) + off; }
inline const uint8_t* at(const void* base, uint64_t off) {
    return static_cast<const uint8_t*>(base) + off;
}

// `count` elements split into `parts` nearly equal chunks: offsets (in elements) with a
// sentinel, so chunk i is [off[i], off[i + 1]).
inline std::vector<uint64_t> split(uint64_t count, int parts) {
    std::vector<uint64_t> off(static_cast<size_t>(parts) + 1);
    uint64_t q = count / static_cast<uint64_t>(parts), r = count % static_cast<uint64_t>(parts);
    for (int i = 0; i < parts; ++i)
        off[static_cast<size_t>(i) + 1] = off[static_cast<size_t>(i)] + q + (static_cast<uint64_t>(i) < r);
    return off;
}

// The non-power-of-two fold shared by recursive doubling and Rabenseifner: of the first
// 2 * rem ranks (rem = p - p2), each even rank hands its vector to the odd rank above it and
// sits out; the remaining p2 ranks get "new ranks" 0..p2-1 in rank order, so that a new rank's
// data always stands for a contiguous range of ranks (non-commutative ops stay ordered).
struct Fold {
    int p2 = 1;
    int rem = 0;
    int newrank = -1;  // -1: folded out
    int real(int nr) const { return nr < rem ? 2 * nr + 1 : nr + rem; }
};
Fold make_fold(int rank, int size);
// Fold step: folded-out ranks send `acc`; their partners receive into `tmp` and reduce.
void fold_in(Schedule& s, const Fold& f, void* acc, void* tmp, uint64_t count);
// Unfold step: partners send the result back to the folded-out ranks.
void fold_out(Schedule& s, const Fold& f, void* acc, uint64_t count);

// Reduce-scatter by recursive halving among the p2 new ranks (commutative ops): chunks
// [lo, hi) of `off` (element offsets) start as all p2; at each step partners keep opposite
// halves and fold in the other's copy; new rank nr ends owning chunk nr. `tmp` holds half the
// vector. `send` (optional): where the input still is, acc not filled yet (no fold): the first
// step sends from it and receives straight into acc.
void halving(Schedule& s, const Fold& f, const std::vector<uint64_t>& off, void* acc,
             uint8_t* tmp, int& lo, int& hi, const void* send = nullptr);

}  // namespace efampi::coll::detail

#pragma once
// Reference typemaps for the datatype tests (test_datatype.cpp, test_dtstream.cpp): a type's
// primitives as (offset, size) pairs computed here from the standard's definitions, never by
// the library, and a generator of random nested types built alongside their reference.
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace efampi::test::typemap {

// A typemap: byte offset and size of each primitive, in order.
struct Entry {
    int64_t off;
    int64_t size;
};
using Map = std::vector<Entry>;

struct Ref {
    Map map;
    int64_t lb, ub;  // the bounds the standard gives (no resize markers below struct level)
};

inline Ref prim(int64_t size) { return {{{0, size}}, 0, size}; }

// n copies of `r` at displacement d (copy k at d + k * extent).
inline void append(Ref& out, const Ref& r, int64_t d, int64_t n) {
    int64_t ext = r.ub - r.lb;
    for (int64_t k = 0; k < n; ++k)
        for (const Entry& e : r.map) out.map.push_back({d + k * ext + e.off, e.size});
    if (n > 0) {
        out.lb = std::min({out.lb, d + r.lb, d + (n - 1) * ext + r.lb});
        out.ub = std::max({out.ub, d + r.ub, d + (n - 1) * ext + r.ub});
    }
}
inline Ref empty_ref() { return {{}, INT64_MAX, INT64_MIN}; }
inline void close(Ref& r) {
    if (r.lb > r.ub) r.lb = r.ub = 0;
}

// Packed bytes of `count` elements described by `r` from memory at `base` (what MPI_Pack
// must produce).
inline std::vector<uint8_t> gather(const Ref& r, const uint8_t* base, int64_t count) {
    int64_t ext = r.ub - r.lb;
    std::vector<uint8_t> out;
    for (int64_t k = 0; k < count; ++k)
        for (const Entry& e : r.map)
            out.insert(out.end(), base + k * ext + e.off, base + k * ext + e.off + e.size);
    return out;
}

// The bytes a buffer for `count` elements of `r` must span: [lo, lo + span) relative to the
// buffer pointer passed to MPI.
inline void span_of(const Ref& r, int64_t count, int64_t* lo, int64_t* span) {
    int64_t ext = r.ub - r.lb, l = 0, h = 0;
    for (int64_t k = 0; k < count; k += std::max<int64_t>(count - 1, 1))
        for (const Entry& e : r.map) {
            l = std::min(l, k * ext + e.off);
            h = std::max(h, k * ext + e.off + e.size);
        }
    *lo = l;
    *span = h - l;
}

// Random nested types: a tree of constructors over MPI_CHAR/INT/DOUBLE, its reference
// typemap built alongside. Counts are sometimes large (runs of many pieces that the library
// keeps compact), strides sometimes negative, and subarrays and structs of two subtrees mix
// regular and irregular parts.
struct Gen {
    std::mt19937 rng{12345};
    int pick(int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); }
    MPI_Datatype make(int depth, Ref& r, std::vector<MPI_Datatype>& temps) {
        if (depth == 0 || pick(4) == 0) {
            int k = pick(3);
            r = prim(k == 0 ? 1 : k == 1 ? 4 : 8);
            return k == 0 ? MPI_CHAR : k == 1 ? MPI_INT : MPI_DOUBLE;
        }
        Ref c;
        MPI_Datatype child = make(depth - 1, c, temps);
        int64_t ext = c.ub - c.lb;
        MPI_Datatype t = MPI_DATATYPE_NULL;
        r = empty_ref();
        switch (pick(8)) {
        case 0: {
            int n = 1 + pick(4);
            MPI_Type_contiguous(n, child, &t);
            append(r, c, 0, n);
            break;
        }
        case 1: {
            // Sometimes many blocks (a long run), sometimes a negative stride.
            int n = pick(3) == 0 ? 20 + pick(40) : 1 + pick(3), bl = 1 + pick(3);
            int stride = (bl + pick(3)) * (pick(4) == 0 ? -1 : 1);
            MPI_Type_vector(n, bl, stride, child, &t);
            for (int i = 0; i < n; ++i) append(r, c, static_cast<int64_t>(i) * stride * ext, bl);
            break;
        }
        case 2: {
            int n = 1 + pick(3);
            std::vector<int> bl(static_cast<size_t>(n)), dis(static_cast<size_t>(n));
            for (int i = 0; i < n; ++i) { bl[static_cast<size_t>(i)] = pick(3); dis[static_cast<size_t>(i)] = pick(10); }
            MPI_Type_indexed(n, bl.data(), dis.data(), child, &t);
            for (int i = 0; i < n; ++i) append(r, c, dis[static_cast<size_t>(i)] * ext, bl[static_cast<size_t>(i)]);
            break;
        }
        case 3: {
            int n = 1 + pick(3), bl = 1 + pick(2);
            std::vector<MPI_Aint> dis(static_cast<size_t>(n));
            for (int i = 0; i < n; ++i) dis[static_cast<size_t>(i)] = pick(64) - 16;
            MPI_Type_create_hindexed_block(n, bl, dis.data(), child, &t);
            for (int i = 0; i < n; ++i) append(r, c, dis[static_cast<size_t>(i)], bl);
            break;
        }
        case 4: {
            // hvector in bytes: pieces that may touch (merge) or interleave with the child's.
            int n = 2 + pick(30), bl = 1 + pick(2);
            MPI_Aint stride = static_cast<MPI_Aint>(bl * ext + pick(3) * 4 - 4);
            MPI_Type_create_hvector(n, bl, stride, child, &t);
            for (int i = 0; i < n; ++i) append(r, c, i * stride, bl);
            break;
        }
        case 5: {
            // 2-d subarray of the child, either order: lb 0, extent the whole array.
            int sizes[2] = {1 + pick(5), 1 + pick(5)}, subs[2], starts[2];
            for (int d = 0; d < 2; ++d) {
                subs[d] = 1 + pick(sizes[d]);
                starts[d] = pick(sizes[d] - subs[d] + 1);
            }
            int order = pick(2) ? MPI_ORDER_C : MPI_ORDER_FORTRAN;
            MPI_Type_create_subarray(2, sizes, subs, starts, order, child, &t);
            // Index (a, b) in C order is at a * sizes[1] + b; in Fortran order the first
            // index varies fastest: at b * sizes[0] + a.
            if (order == MPI_ORDER_C) {
                for (int a = starts[0]; a < starts[0] + subs[0]; ++a)
                    for (int b = starts[1]; b < starts[1] + subs[1]; ++b)
                        append(r, c, (a * sizes[1] + b) * ext, 1);
            } else {
                for (int b = starts[1]; b < starts[1] + subs[1]; ++b)
                    for (int a = starts[0]; a < starts[0] + subs[0]; ++a)
                        append(r, c, (b * sizes[0] + a) * ext, 1);
            }
            r.lb = 0;
            r.ub = static_cast<int64_t>(sizes[0]) * sizes[1] * ext;
            break;
        }
        case 6: {
            // A struct of the child and another subtree, then resized to explicit bounds
            // (the struct's own alignment padding is tested in EveryConstructorMatchesItsTypemap).
            Ref c2;
            MPI_Datatype other = make(depth - 1, c2, temps);
            int bl[2] = {1 + pick(3), 1 + pick(2)};
            MPI_Aint dis[2] = {pick(16), 16 + pick(48)};
            MPI_Datatype ty[2] = {child, other}, st;
            MPI_Type_create_struct(2, bl, dis, ty, &st);
            temps.push_back(st);
            append(r, c, dis[0], bl[0]);
            append(r, c2, dis[1], bl[1]);
            close(r);
            int64_t lb = r.lb - pick(4), extent = r.ub - lb + pick(8);
            MPI_Type_create_resized(st, lb, extent, &t);
            r.lb = lb;
            r.ub = lb + extent;
            break;
        }
        default: {
            // resized: same data, new extent (bigger than the data)
            int64_t lb = c.lb - pick(8), extent = (c.ub - lb) + pick(16);
            MPI_Type_create_resized(child, lb, extent, &t);
            r.map = c.map;
            r.lb = lb;
            r.ub = lb + extent;
            break;
        }
        }
        close(r);
        temps.push_back(t);
        return t;
    }
};

}  // namespace efampi::test::typemap

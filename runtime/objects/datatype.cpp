#include "runtime/objects/datatype.hpp"

#include <array>
#include <complex>
#include <cstddef>
#include <cwchar>
#include <memory>

namespace efampi::rt {

namespace {

template <class A, class B>
struct Pair {
    A a;
    B b;
};
template <class A, class B>
constexpr int64_t pair_off() {
    using P = Pair<A, B>;
    return offsetof(P, b);
}

struct Entry {
    MPI_Datatype handle;
    int64_t size;
    int64_t extent;
    const char* name;
};

// Sizes are those of this ABI's C types on LP64 hosts; pair extents follow the C layout.
#define EFAMPI_T(h, sz, ext) Entry{h, sz, ext, #h}
const Entry entries[] = {
    EFAMPI_T(MPI_AINT, 8, 8), EFAMPI_T(MPI_COUNT, 8, 8), EFAMPI_T(MPI_OFFSET, 8, 8),
    EFAMPI_T(MPI_PACKED, 1, 1), EFAMPI_T(MPI_SHORT, sizeof(short), sizeof(short)),
    EFAMPI_T(MPI_INT, sizeof(int), sizeof(int)), EFAMPI_T(MPI_LONG, sizeof(long), sizeof(long)),
    EFAMPI_T(MPI_LONG_LONG, 8, 8), EFAMPI_T(MPI_UNSIGNED_SHORT, 2, 2),
    EFAMPI_T(MPI_UNSIGNED, 4, 4), EFAMPI_T(MPI_UNSIGNED_LONG, sizeof(long), sizeof(long)),
    EFAMPI_T(MPI_UNSIGNED_LONG_LONG, 8, 8), EFAMPI_T(MPI_FLOAT, 4, 4),
    EFAMPI_T(MPI_C_FLOAT_COMPLEX, 8, 8), EFAMPI_T(MPI_CXX_FLOAT_COMPLEX, 8, 8),
    EFAMPI_T(MPI_DOUBLE, 8, 8), EFAMPI_T(MPI_C_DOUBLE_COMPLEX, 16, 16),
    EFAMPI_T(MPI_CXX_DOUBLE_COMPLEX, 16, 16), EFAMPI_T(MPI_LOGICAL, 4, 4),
    EFAMPI_T(MPI_INTEGER, 4, 4), EFAMPI_T(MPI_REAL, 4, 4), EFAMPI_T(MPI_COMPLEX, 8, 8),
    EFAMPI_T(MPI_DOUBLE_PRECISION, 8, 8), EFAMPI_T(MPI_DOUBLE_COMPLEX, 16, 16),
    EFAMPI_T(MPI_LONG_DOUBLE, sizeof(long double), sizeof(long double)),
    EFAMPI_T(MPI_C_LONG_DOUBLE_COMPLEX, 2 * sizeof(long double), 2 * sizeof(long double)),
    EFAMPI_T(MPI_CXX_LONG_DOUBLE_COMPLEX, 2 * sizeof(long double), 2 * sizeof(long double)),
    EFAMPI_T(MPI_FLOAT_INT, sizeof(float) + sizeof(int), sizeof(Pair<float, int>)),
    EFAMPI_T(MPI_DOUBLE_INT, sizeof(double) + sizeof(int), sizeof(Pair<double, int>)),
    EFAMPI_T(MPI_LONG_INT, sizeof(long) + sizeof(int), sizeof(Pair<long, int>)),
    EFAMPI_T(MPI_2INT, 2 * sizeof(int), sizeof(Pair<int, int>)),
    EFAMPI_T(MPI_SHORT_INT, sizeof(short) + sizeof(int), sizeof(Pair<short, int>)),
    EFAMPI_T(MPI_LONG_DOUBLE_INT, sizeof(long double) + sizeof(int),
             sizeof(Pair<long double, int>)),
    EFAMPI_T(MPI_2REAL, 8, 8), EFAMPI_T(MPI_2DOUBLE_PRECISION, 16, 16),
    EFAMPI_T(MPI_2INTEGER, 8, 8), EFAMPI_T(MPI_C_BOOL, 1, 1), EFAMPI_T(MPI_CXX_BOOL, 1, 1),
    EFAMPI_T(MPI_WCHAR, sizeof(wchar_t), sizeof(wchar_t)), EFAMPI_T(MPI_INT8_T, 1, 1),
    EFAMPI_T(MPI_UINT8_T, 1, 1), EFAMPI_T(MPI_CHAR, 1, 1), EFAMPI_T(MPI_SIGNED_CHAR, 1, 1),
    EFAMPI_T(MPI_UNSIGNED_CHAR, 1, 1), EFAMPI_T(MPI_BYTE, 1, 1), EFAMPI_T(MPI_INT16_T, 2, 2),
    EFAMPI_T(MPI_UINT16_T, 2, 2), EFAMPI_T(MPI_INT32_T, 4, 4), EFAMPI_T(MPI_UINT32_T, 4, 4),
    EFAMPI_T(MPI_INT64_T, 8, 8), EFAMPI_T(MPI_UINT64_T, 8, 8), EFAMPI_T(MPI_LOGICAL1, 1, 1),
    EFAMPI_T(MPI_INTEGER1, 1, 1), EFAMPI_T(MPI_CHARACTER, 1, 1), EFAMPI_T(MPI_LOGICAL2, 2, 2),
    EFAMPI_T(MPI_INTEGER2, 2, 2), EFAMPI_T(MPI_REAL2, 2, 2), EFAMPI_T(MPI_LOGICAL4, 4, 4),
    EFAMPI_T(MPI_INTEGER4, 4, 4), EFAMPI_T(MPI_REAL4, 4, 4), EFAMPI_T(MPI_COMPLEX4, 4, 4),
    EFAMPI_T(MPI_LOGICAL8, 8, 8), EFAMPI_T(MPI_INTEGER8, 8, 8), EFAMPI_T(MPI_REAL8, 8, 8),
    EFAMPI_T(MPI_COMPLEX8, 8, 8), EFAMPI_T(MPI_LOGICAL16, 16, 16),
    EFAMPI_T(MPI_INTEGER16, 16, 16), EFAMPI_T(MPI_REAL16, 16, 16),
    EFAMPI_T(MPI_COMPLEX16, 16, 16), EFAMPI_T(MPI_COMPLEX32, 32, 32),
};
#undef EFAMPI_T

constexpr uintptr_t first = predefined_first, last = predefined_last;

std::array<Datatype, last - first + 1> build() {
    std::array<Datatype, last - first + 1> t{};
    for (auto& d : t) d.magic = Magic::dead;  // holes in the table are not types
    for (const Entry& e : entries) {
        Datatype& d = t[handle_value(e.handle) - first];
        d.magic = Magic::datatype;
        d.size = e.size;
        d.extent = e.extent;
        d.name = e.name;
        d.predefined = true;
        d.handle = e.handle;
        d.true_extent = e.size;
        d.prims = {Prim{0, e.handle, 1}};
        d.segs = {Segment{0, e.size}};
        d.dense = e.size == e.extent;
        index_segments(d);
    }
    // Pair types: two primitives (the value, then the index) with the C layout's padding.
    struct PairDef {
        MPI_Datatype h, v, i;
        int64_t ioff;
    };
    const PairDef pairs[] = {
        {MPI_FLOAT_INT, MPI_FLOAT, MPI_INT, pair_off<float, int>()},
        {MPI_DOUBLE_INT, MPI_DOUBLE, MPI_INT, pair_off<double, int>()},
        {MPI_LONG_INT, MPI_LONG, MPI_INT, pair_off<long, int>()},
        {MPI_2INT, MPI_INT, MPI_INT, pair_off<int, int>()},
        {MPI_SHORT_INT, MPI_SHORT, MPI_INT, pair_off<short, int>()},
        {MPI_LONG_DOUBLE_INT, MPI_LONG_DOUBLE, MPI_INT, pair_off<long double, int>()},
        {MPI_2REAL, MPI_REAL, MPI_REAL, 4},
        {MPI_2DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, 8},
        {MPI_2INTEGER, MPI_INTEGER, MPI_INTEGER, 4},
    };
    for (const PairDef& p : pairs) {
        Datatype& d = t[handle_value(p.h) - first];
        int64_t vs = t[handle_value(p.v) - first].size, is = t[handle_value(p.i) - first].size;
        if (p.v == p.i) d.prims = {Prim{0, p.v, 2}};
        else d.prims = {Prim{0, p.v, 1}, Prim{p.ioff, p.i, 1}};
        if (vs == p.ioff) d.segs = {Segment{0, vs + is}};
        else d.segs = {Segment{0, vs}, Segment{p.ioff, is}};
        d.true_extent = p.ioff + is;
        d.dense = d.segs.size() == 1 && d.segs[0].len == d.extent;
        index_segments(d);
    }
    return t;
}

}  // namespace

Datatype g_predefined_types[predefined_last - predefined_first + 1];
namespace {
// Fills the table at load time (before main; nothing reads it earlier).
struct Fill {
    Fill() {
        auto t = build();
        for (size_t i = 0; i < t.size(); ++i) g_predefined_types[i] = t[i];
    }
} fill;
}  // namespace

namespace {
// MPI_LB and MPI_UB (include/mpi_legacy.h, the MPI-1 bound markers): no data, no extent. Only
// the struct constructors give them a meaning (api/type_create.cpp); anywhere else they are
// empty types, as in MPI-1.
Datatype bound_marker(MPI_Datatype h, const char* name) {
    Datatype d;
    d.name = name;
    d.predefined = true;
    d.handle = h;
    index_segments(d);
    return d;
}
const Datatype g_lb_marker = bound_marker(MPI_LB, "MPI_LB");
const Datatype g_ub_marker = bound_marker(MPI_UB, "MPI_UB");
}  // namespace

const Datatype* to_type_slow(MPI_Datatype h) {
    uintptr_t v = handle_value(h);
    if (v == handle_value(MPI_LB)) return &g_lb_marker;
    if (v == handle_value(MPI_UB)) return &g_ub_marker;
    if (v <= predefined_limit) return nullptr;
    if (v % alignof(Datatype) != 0) return nullptr;
    auto* d = reinterpret_cast<const Datatype*>(v);
    return d->magic == Magic::datatype ? d : nullptr;
}

}  // namespace efampi::rt

// The predefined reduction kernels: one loop per (op, type) pair, instantiated from templates
// and written so that the compiler vectorises them (restrict pointers, no calls, no branches
// the vectoriser cannot turn into selects). The table says which pairs the standard defines
// (MPI 4.1 §6.9.2): MIN/MAX on integers and reals; SUM/PROD also on complex; logical ops on C
// integers and logicals; bitwise ops on integers and MPI_BYTE; MINLOC/MAXLOC on the pair types;
// REPLACE/NO_OP (one-sided) on every type. Extension, as in other MPIs: MPI_CHAR counts as a C
// integer.
#include <cstring>
#include <cwchar>

#include "runtime/objects/datatype.hpp"
#include "runtime/objects/op.hpp"

namespace efampi::rt {

namespace {

// Signed integer arithmetic wraps (computed unsigned): overflow is the user's, not UB here.
template <class T> struct Unsigned { using type = T; };
template <> struct Unsigned<signed char> { using type = unsigned char; };
template <> struct Unsigned<char> { using type = unsigned char; };
template <> struct Unsigned<short> { using type = unsigned short; };
template <> struct Unsigned<int> { using type = unsigned; };
template <> struct Unsigned<long> { using type = unsigned long; };
template <> struct Unsigned<long long> { using type = unsigned long long; };
template <> struct Unsigned<__int128> { using type = unsigned __int128; };

template <class T> constexpr bool is_int = false;
template <> constexpr bool is_int<char> = true;
template <> constexpr bool is_int<signed char> = true;
template <> constexpr bool is_int<unsigned char> = true;
template <> constexpr bool is_int<short> = true;
template <> constexpr bool is_int<unsigned short> = true;
template <> constexpr bool is_int<int> = true;
template <> constexpr bool is_int<unsigned> = true;
template <> constexpr bool is_int<long> = true;
template <> constexpr bool is_int<unsigned long> = true;
template <> constexpr bool is_int<long long> = true;
template <> constexpr bool is_int<unsigned long long> = true;
template <> constexpr bool is_int<__int128> = true;
template <> constexpr bool is_int<bool> = true;
template <> constexpr bool is_int<wchar_t> = true;

template <class T> struct Cx { T re, im; };
template <class V, class I> struct Loc { V v; I i; };

struct Sum {
    template <class T> static T apply(T a, T b) {
        if constexpr (is_int<T>) {
            using U = typename Unsigned<T>::type;
            return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
        } else {
            return a + b;
        }
    }
    template <class T> static Cx<T> apply(Cx<T> a, Cx<T> b) { return {a.re + b.re, a.im + b.im}; }
};
struct Prod {
    template <class T> static T apply(T a, T b) {
        if constexpr (is_int<T>) {
            using U = typename Unsigned<T>::type;
            return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
        } else {
            return a * b;
        }
    }
    template <class T> static Cx<T> apply(Cx<T> a, Cx<T> b) {
        return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
    }
};
struct Min { template <class T> static T apply(T a, T b) { return a < b ? a : b; } };
struct Max { template <class T> static T apply(T a, T b) { return b < a ? a : b; } };
struct Land { template <class T> static T apply(T a, T b) { return static_cast<T>((a != 0) & (b != 0)); } };
struct Lor { template <class T> static T apply(T a, T b) { return static_cast<T>((a != 0) | (b != 0)); } };
struct Lxor { template <class T> static T apply(T a, T b) { return static_cast<T>((a != 0) != (b != 0)); } };
struct Band { template <class T> static T apply(T a, T b) { return static_cast<T>(a & b); } };
struct Bor { template <class T> static T apply(T a, T b) { return static_cast<T>(a | b); } };
struct Bxor { template <class T> static T apply(T a, T b) { return static_cast<T>(a ^ b); } };
// MINLOC/MAXLOC: the extreme value; on a tie, the smaller index (the standard's definition).
struct MinLoc {
    template <class V, class I> static Loc<V, I> apply(Loc<V, I> a, Loc<V, I> b) {
        if (a.v < b.v) return a;
        if (b.v < a.v) return b;
        return {a.v, a.i < b.i ? a.i : b.i};
    }
};
struct MaxLoc {
    template <class V, class I> static Loc<V, I> apply(Loc<V, I> a, Loc<V, I> b) {
        if (b.v < a.v) return a;
        if (a.v < b.v) return b;
        return {a.v, a.i < b.i ? a.i : b.i};
    }
};

template <class T, class F>
void loop(const void* in, void* inout, uint64_t n) {
    const T* __restrict a = static_cast<const T*>(in);
    T* __restrict b = static_cast<T*>(inout);
    for (uint64_t i = 0; i < n; ++i) b[i] = F::apply(a[i], b[i]);
}

template <size_t Extent>
void replace(const void* in, void* inout, uint64_t n) {
    if (in != inout) std::memmove(inout, in, n * Extent);
}
void no_op(const void*, void*, uint64_t) {}

constexpr uintptr_t first = predefined_first;
Kernel table[predefined_op_kinds][predefined_last - predefined_first + 1];

template <class T>
void set(MPI_Datatype dt, OpKind k, Kernel fn) {
    table[static_cast<int>(k)][handle_value(dt) - first] = fn;
}

template <class T>
void both_one_sided(MPI_Datatype dt) {
    set<T>(dt, OpKind::replace, replace<sizeof(T)>);
    set<T>(dt, OpKind::no_op, no_op);
}

template <class T> void minmax(MPI_Datatype dt) {
    set<T>(dt, OpKind::min, loop<T, Min>);
    set<T>(dt, OpKind::max, loop<T, Max>);
}
template <class T> void arith(MPI_Datatype dt) {
    set<T>(dt, OpKind::sum, loop<T, Sum>);
    set<T>(dt, OpKind::prod, loop<T, Prod>);
}
template <class T> void logical(MPI_Datatype dt) {
    set<T>(dt, OpKind::land, loop<T, Land>);
    set<T>(dt, OpKind::lor, loop<T, Lor>);
    set<T>(dt, OpKind::lxor, loop<T, Lxor>);
}
template <class T> void bitwise(MPI_Datatype dt) {
    set<T>(dt, OpKind::band, loop<T, Band>);
    set<T>(dt, OpKind::bor, loop<T, Bor>);
    set<T>(dt, OpKind::bxor, loop<T, Bxor>);
}

// The standard's type classes.
template <class T> void c_integer(MPI_Datatype dt) {
    minmax<T>(dt); arith<T>(dt); logical<T>(dt); bitwise<T>(dt); both_one_sided<T>(dt);
}
template <class T> void f_integer(MPI_Datatype dt) {
    minmax<T>(dt); arith<T>(dt); bitwise<T>(dt); both_one_sided<T>(dt);
}
template <class T> void floating(MPI_Datatype dt) {
    minmax<T>(dt); arith<T>(dt); both_one_sided<T>(dt);
}
template <class T> void f_logical(MPI_Datatype dt) { logical<T>(dt); both_one_sided<T>(dt); }
template <class T> void complex(MPI_Datatype dt) {
    arith<Cx<T>>(dt); both_one_sided<Cx<T>>(dt);
}
template <class V, class I> void pair(MPI_Datatype dt) {
    set<Loc<V, I>>(dt, OpKind::minloc, loop<Loc<V, I>, MinLoc>);
    set<Loc<V, I>>(dt, OpKind::maxloc, loop<Loc<V, I>, MaxLoc>);
    both_one_sided<Loc<V, I>>(dt);
}

struct Fill {
    Fill() {
        c_integer<char>(MPI_CHAR);  // extension
        c_integer<signed char>(MPI_SIGNED_CHAR);
        c_integer<unsigned char>(MPI_UNSIGNED_CHAR);
        c_integer<short>(MPI_SHORT);
        c_integer<unsigned short>(MPI_UNSIGNED_SHORT);
        c_integer<int>(MPI_INT);
        c_integer<unsigned>(MPI_UNSIGNED);
        c_integer<long>(MPI_LONG);
        c_integer<unsigned long>(MPI_UNSIGNED_LONG);
        c_integer<long long>(MPI_LONG_LONG);
        c_integer<unsigned long long>(MPI_UNSIGNED_LONG_LONG);
        c_integer<signed char>(MPI_INT8_T);
        c_integer<unsigned char>(MPI_UINT8_T);
        c_integer<short>(MPI_INT16_T);
        c_integer<unsigned short>(MPI_UINT16_T);
        c_integer<int>(MPI_INT32_T);
        c_integer<unsigned>(MPI_UINT32_T);
        c_integer<long>(MPI_INT64_T);
        c_integer<unsigned long>(MPI_UINT64_T);
        c_integer<long>(MPI_AINT);  // the multi-language types are C integers too
        c_integer<long>(MPI_OFFSET);
        c_integer<long>(MPI_COUNT);
        f_integer<int>(MPI_INTEGER);
        f_integer<signed char>(MPI_INTEGER1);
        f_integer<short>(MPI_INTEGER2);
        f_integer<int>(MPI_INTEGER4);
        f_integer<long>(MPI_INTEGER8);
        f_integer<__int128>(MPI_INTEGER16);
        floating<float>(MPI_FLOAT);
        floating<double>(MPI_DOUBLE);
        floating<long double>(MPI_LONG_DOUBLE);
        floating<float>(MPI_REAL);
        floating<double>(MPI_DOUBLE_PRECISION);
        floating<_Float16>(MPI_REAL2);
        floating<float>(MPI_REAL4);
        floating<double>(MPI_REAL8);
        floating<__float128>(MPI_REAL16);
        f_logical<int>(MPI_LOGICAL);
        f_logical<bool>(MPI_C_BOOL);
        f_logical<bool>(MPI_CXX_BOOL);
        f_logical<signed char>(MPI_LOGICAL1);
        f_logical<short>(MPI_LOGICAL2);
        f_logical<int>(MPI_LOGICAL4);
        f_logical<long>(MPI_LOGICAL8);
        f_logical<__int128>(MPI_LOGICAL16);
        complex<float>(MPI_C_FLOAT_COMPLEX);
        complex<float>(MPI_CXX_FLOAT_COMPLEX);
        complex<float>(MPI_COMPLEX);
        complex<float>(MPI_COMPLEX8);
        complex<double>(MPI_C_DOUBLE_COMPLEX);
        complex<double>(MPI_CXX_DOUBLE_COMPLEX);
        complex<double>(MPI_DOUBLE_COMPLEX);
        complex<double>(MPI_COMPLEX16);
        complex<long double>(MPI_C_LONG_DOUBLE_COMPLEX);
        complex<long double>(MPI_CXX_LONG_DOUBLE_COMPLEX);
        complex<_Float16>(MPI_COMPLEX4);
        complex<__float128>(MPI_COMPLEX32);
        set<unsigned char>(MPI_BYTE, OpKind::band, loop<unsigned char, Band>);
        set<unsigned char>(MPI_BYTE, OpKind::bor, loop<unsigned char, Bor>);
        set<unsigned char>(MPI_BYTE, OpKind::bxor, loop<unsigned char, Bxor>);
        both_one_sided<unsigned char>(MPI_BYTE);
        pair<float, int>(MPI_FLOAT_INT);
        pair<double, int>(MPI_DOUBLE_INT);
        pair<long, int>(MPI_LONG_INT);
        pair<int, int>(MPI_2INT);
        pair<short, int>(MPI_SHORT_INT);
        pair<long double, int>(MPI_LONG_DOUBLE_INT);
        pair<float, float>(MPI_2REAL);
        pair<double, double>(MPI_2DOUBLE_PRECISION);
        pair<int, int>(MPI_2INTEGER);
        // The remaining types take only REPLACE and NO_OP.
        both_one_sided<wchar_t>(MPI_WCHAR);
        both_one_sided<unsigned char>(MPI_PACKED);
        both_one_sided<char>(MPI_CHARACTER);
    }
} fill;

}  // namespace

Kernel op_kernel(OpKind k, MPI_Datatype dt) {
    uintptr_t v = handle_value(dt);
    if (k >= OpKind::user || v < predefined_first || v > predefined_last) return nullptr;
    return table[static_cast<int>(k)][v - first];
}

}  // namespace efampi::rt

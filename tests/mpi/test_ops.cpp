// Reduction operations through MPI_Reduce_local: every predefined (op, type) pair against a
// scalar reference written here from the standard's definitions, the pairs the standard leaves
// undefined (MPI_ERR_OP), user ops (commutative or not, int and MPI_Count lengths), and the
// errors of Op_create/Op_free/Op_commutative. Local calls: the result is the same at any size.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::error_class;
using efampi::test::ReturnErrors;

namespace {

enum Cls : unsigned {
    c_int = 1, f_int = 2, real = 4, logical = 8, cplx = 16, byte = 32, pair = 64, other = 128
};

struct OpInfo {
    MPI_Op op;
    const char* name;
    unsigned classes;  // the type classes the standard defines the op on
};
const OpInfo ops[] = {
    {MPI_MAX, "MAX", c_int | f_int | real},         {MPI_MIN, "MIN", c_int | f_int | real},
    {MPI_SUM, "SUM", c_int | f_int | real | cplx},  {MPI_PROD, "PROD", c_int | f_int | real | cplx},
    {MPI_LAND, "LAND", c_int | logical},           {MPI_LOR, "LOR", c_int | logical},
    {MPI_LXOR, "LXOR", c_int | logical},           {MPI_BAND, "BAND", c_int | f_int | byte},
    {MPI_BOR, "BOR", c_int | f_int | byte},        {MPI_BXOR, "BXOR", c_int | f_int | byte},
    {MPI_MAXLOC, "MAXLOC", pair},                   {MPI_MINLOC, "MINLOC", pair},
};

template <class T> struct Cx { T re, im; };
template <class V, class I> struct Loc { V v; I i; };

// Small values so that sums and products stay exact in every type.
template <class T> T value(std::mt19937& g) { return static_cast<T>(static_cast<int>(g() % 7) - 3); }
template <> unsigned char value<unsigned char>(std::mt19937& g) { return static_cast<unsigned char>(g()); }

// Scalar reference: r = a op b (a is `in`, b is `inout`).
template <class T> bool ref(MPI_Op op, T a, T b, T& r) {
    if (op == MPI_MAX) r = a > b ? a : b;
    else if (op == MPI_MIN) r = a < b ? a : b;
    else if (op == MPI_SUM) r = static_cast<T>(a + b);
    else if (op == MPI_PROD) r = static_cast<T>(a * b);
    else return false;
    return true;
}
template <class T> bool ref_int(MPI_Op op, T a, T b, T& r) {
    if (ref(op, a, b, r)) return true;
    if (op == MPI_LAND) r = static_cast<T>(a && b);
    else if (op == MPI_LOR) r = static_cast<T>(a || b);
    else if (op == MPI_LXOR) r = static_cast<T>(!a != !b);
    else if (op == MPI_BAND) r = static_cast<T>(a & b);
    else if (op == MPI_BOR) r = static_cast<T>(a | b);
    else if (op == MPI_BXOR) r = static_cast<T>(a ^ b);
    else return false;
    return true;
}

template <class T> void check_scalar(MPI_Datatype dt, const char* tname, unsigned cls) {
    std::mt19937 g(7);
    const size_t n = 103;  // odd: vector loops and their tails
    for (const OpInfo& o : ops) {
        std::vector<T> a(n), b(n);
        for (size_t i = 0; i < n; ++i) {
            a[i] = value<T>(g);
            b[i] = value<T>(g);
        }
        std::vector<T> b0 = b;
        bool defined = (o.classes & cls) != 0;
        int rc = MPI_Reduce_local(a.data(), b.data(), static_cast<int>(n), dt, o.op);
        if (!defined) {
            EXPECT_EQ(MPI_ERR_OP, error_class(rc)) << o.name << " on " << tname;
            continue;
        }
        ASSERT_EQ(MPI_SUCCESS, rc) << o.name << " on " << tname;
        for (size_t i = 0; i < n; ++i) {
            T r{};
            if constexpr (std::is_floating_point_v<T>) ASSERT_TRUE(ref(o.op, a[i], b0[i], r));
            else ASSERT_TRUE(ref_int(o.op, a[i], b0[i], r)) << o.name;
            EXPECT_EQ(r, b[i]) << o.name << " on " << tname << " at " << i;
        }
    }
}

#define SCALAR(T, dt, cls) check_scalar<T>(dt, #dt, cls)

class Ops : public ::testing::Test {
    ReturnErrors errors_;
};

TEST_F(Ops, IntegerTypes) {
    SCALAR(char, MPI_CHAR, c_int);  // MPI_CHAR as an integer: the common extension
    SCALAR(signed char, MPI_SIGNED_CHAR, c_int);
    SCALAR(unsigned char, MPI_UNSIGNED_CHAR, c_int);
    SCALAR(short, MPI_SHORT, c_int);
    SCALAR(unsigned short, MPI_UNSIGNED_SHORT, c_int);
    SCALAR(int, MPI_INT, c_int);
    SCALAR(unsigned, MPI_UNSIGNED, c_int);
    SCALAR(long, MPI_LONG, c_int);
    SCALAR(unsigned long, MPI_UNSIGNED_LONG, c_int);
    SCALAR(long long, MPI_LONG_LONG, c_int);
    SCALAR(unsigned long long, MPI_UNSIGNED_LONG_LONG, c_int);
    SCALAR(int8_t, MPI_INT8_T, c_int);
    SCALAR(uint8_t, MPI_UINT8_T, c_int);
    SCALAR(int16_t, MPI_INT16_T, c_int);
    SCALAR(uint16_t, MPI_UINT16_T, c_int);
    SCALAR(int32_t, MPI_INT32_T, c_int);
    SCALAR(uint32_t, MPI_UINT32_T, c_int);
    SCALAR(int64_t, MPI_INT64_T, c_int);
    SCALAR(uint64_t, MPI_UINT64_T, c_int);
    SCALAR(MPI_Aint, MPI_AINT, c_int);
    SCALAR(MPI_Offset, MPI_OFFSET, c_int);
    SCALAR(MPI_Count, MPI_COUNT, c_int);
    SCALAR(int, MPI_INTEGER, f_int);
    SCALAR(int8_t, MPI_INTEGER1, f_int);
    SCALAR(int16_t, MPI_INTEGER2, f_int);
    SCALAR(int32_t, MPI_INTEGER4, f_int);
    SCALAR(int64_t, MPI_INTEGER8, f_int);
    SCALAR(__int128, MPI_INTEGER16, f_int);
    SCALAR(unsigned char, MPI_BYTE, byte);
}

TEST_F(Ops, RealTypes) {
    SCALAR(float, MPI_FLOAT, real);
    SCALAR(double, MPI_DOUBLE, real);
    SCALAR(long double, MPI_LONG_DOUBLE, real);
    SCALAR(float, MPI_REAL, real);
    SCALAR(double, MPI_DOUBLE_PRECISION, real);
    SCALAR(float, MPI_REAL4, real);
    SCALAR(double, MPI_REAL8, real);
}

TEST_F(Ops, HalfAndQuadReals) {
    // No EXPECT_EQ printer for these: compare as double.
    for (MPI_Op op : {MPI_SUM, MPI_PROD, MPI_MAX, MPI_MIN}) {
        _Float16 a[5] = {1, -2, 3, 0.5, -1}, b[5] = {2, 2, -3, 4, -1}, b0[5];
        std::memcpy(b0, b, sizeof b);
        ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_local(a, b, 5, MPI_REAL2, op));
        __float128 c[5] = {1, -2, 3, 0.5, -1}, d[5] = {2, 2, -3, 4, -1};
        ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_local(c, d, 5, MPI_REAL16, op));
        for (int i = 0; i < 5; ++i) {
            double x = static_cast<double>(a[i]), y = static_cast<double>(b0[i]);
            double r = op == MPI_SUM ? x + y : op == MPI_PROD ? x * y : op == MPI_MAX ? std::max(x, y) : std::min(x, y);
            EXPECT_EQ(r, static_cast<double>(b[i]));
            EXPECT_EQ(r, static_cast<double>(d[i]));
        }
    }
    _Float16 h[1] = {1};
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Reduce_local(h, h, 1, MPI_REAL2, MPI_BAND)));
}

template <class T> void check_logical(MPI_Datatype dt, const char* tname) {
    T a[4] = {0, 0, 1, 1}, b0[4] = {0, 1, 0, 1};
    for (const OpInfo& o : ops) {
        T b[4];
        std::memcpy(b, b0, sizeof b);
        int rc = MPI_Reduce_local(a, b, 4, dt, o.op);
        if (!(o.classes & logical)) {
            EXPECT_EQ(MPI_ERR_OP, error_class(rc)) << o.name << " on " << tname;
            continue;
        }
        ASSERT_EQ(MPI_SUCCESS, rc);
        for (int i = 0; i < 4; ++i) {
            bool x = a[i] != 0, y = b0[i] != 0;
            bool r = o.op == MPI_LAND ? (x && y) : o.op == MPI_LOR ? (x || y) : (x != y);
            EXPECT_EQ(r, b[i] != 0) << o.name << " on " << tname << " at " << i;
        }
    }
}

TEST_F(Ops, LogicalTypes) {
    check_logical<bool>(MPI_C_BOOL, "MPI_C_BOOL");
    check_logical<bool>(MPI_CXX_BOOL, "MPI_CXX_BOOL");
    check_logical<int>(MPI_LOGICAL, "MPI_LOGICAL");
    check_logical<int8_t>(MPI_LOGICAL1, "MPI_LOGICAL1");
    check_logical<int16_t>(MPI_LOGICAL2, "MPI_LOGICAL2");
    check_logical<int32_t>(MPI_LOGICAL4, "MPI_LOGICAL4");
    check_logical<int64_t>(MPI_LOGICAL8, "MPI_LOGICAL8");
    check_logical<__int128>(MPI_LOGICAL16, "MPI_LOGICAL16");
}

template <class T> void check_complex(MPI_Datatype dt, const char* tname) {
    Cx<T> a[3] = {{1, 2}, {-1, 0.5}, {3, -2}}, b0[3] = {{2, -1}, {4, 4}, {0, 1}};
    for (const OpInfo& o : ops) {
        Cx<T> b[3];
        std::memcpy(b, b0, sizeof b);
        int rc = MPI_Reduce_local(a, b, 3, dt, o.op);
        if (!(o.classes & cplx)) {
            EXPECT_EQ(MPI_ERR_OP, error_class(rc)) << o.name << " on " << tname;
            continue;
        }
        ASSERT_EQ(MPI_SUCCESS, rc);
        for (int i = 0; i < 3; ++i) {
            double ar = static_cast<double>(a[i].re), ai = static_cast<double>(a[i].im);
            double br = static_cast<double>(b0[i].re), bi = static_cast<double>(b0[i].im);
            double re = o.op == MPI_SUM ? ar + br : ar * br - ai * bi;
            double im = o.op == MPI_SUM ? ai + bi : ar * bi + ai * br;
            EXPECT_EQ(re, static_cast<double>(b[i].re)) << o.name << " on " << tname;
            EXPECT_EQ(im, static_cast<double>(b[i].im)) << o.name << " on " << tname;
        }
    }
}

TEST_F(Ops, ComplexTypes) {
    check_complex<float>(MPI_C_FLOAT_COMPLEX, "MPI_C_FLOAT_COMPLEX");
    check_complex<float>(MPI_CXX_FLOAT_COMPLEX, "MPI_CXX_FLOAT_COMPLEX");
    check_complex<float>(MPI_COMPLEX, "MPI_COMPLEX");
    check_complex<float>(MPI_COMPLEX8, "MPI_COMPLEX8");
    check_complex<double>(MPI_C_DOUBLE_COMPLEX, "MPI_C_DOUBLE_COMPLEX");
    check_complex<double>(MPI_CXX_DOUBLE_COMPLEX, "MPI_CXX_DOUBLE_COMPLEX");
    check_complex<double>(MPI_DOUBLE_COMPLEX, "MPI_DOUBLE_COMPLEX");
    check_complex<double>(MPI_COMPLEX16, "MPI_COMPLEX16");
    check_complex<long double>(MPI_C_LONG_DOUBLE_COMPLEX, "MPI_C_LONG_DOUBLE_COMPLEX");
    check_complex<long double>(MPI_CXX_LONG_DOUBLE_COMPLEX, "MPI_CXX_LONG_DOUBLE_COMPLEX");
    check_complex<_Float16>(MPI_COMPLEX4, "MPI_COMPLEX4");
    check_complex<__float128>(MPI_COMPLEX32, "MPI_COMPLEX32");
}

template <class V, class I> void check_pair(MPI_Datatype dt, const char* tname) {
    MPI_Aint lb, ext;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_extent(dt, &lb, &ext));
    ASSERT_EQ(static_cast<MPI_Aint>(sizeof(Loc<V, I>)), ext) << tname;
    // Ties pick the smaller index whichever side it is on.
    Loc<V, I> a[4] = {{1, 5}, {2, 9}, {3, 3}, {3, 8}}, b0[4] = {{2, 1}, {2, 4}, {1, 0}, {3, 2}};
    for (const OpInfo& o : ops) {
        Loc<V, I> b[4];
        std::memcpy(b, b0, sizeof b);
        int rc = MPI_Reduce_local(a, b, 4, dt, o.op);
        if (!(o.classes & pair)) {
            EXPECT_EQ(MPI_ERR_OP, error_class(rc)) << o.name << " on " << tname;
            continue;
        }
        ASSERT_EQ(MPI_SUCCESS, rc);
        bool mx = o.op == MPI_MAXLOC;
        for (int i = 0; i < 4; ++i) {
            const Loc<V, I>& x = a[i];
            const Loc<V, I>& y = b0[i];
            Loc<V, I> r = x.v == y.v ? Loc<V, I>{x.v, std::min(x.i, y.i)}
                          : ((x.v > y.v) == mx) ? x : y;
            EXPECT_TRUE(r.v == b[i].v && r.i == b[i].i) << o.name << " on " << tname << " at " << i;
        }
    }
}

TEST_F(Ops, PairTypes) {
    check_pair<float, int>(MPI_FLOAT_INT, "MPI_FLOAT_INT");
    check_pair<double, int>(MPI_DOUBLE_INT, "MPI_DOUBLE_INT");
    check_pair<long, int>(MPI_LONG_INT, "MPI_LONG_INT");
    check_pair<int, int>(MPI_2INT, "MPI_2INT");
    check_pair<short, int>(MPI_SHORT_INT, "MPI_SHORT_INT");
    check_pair<long double, int>(MPI_LONG_DOUBLE_INT, "MPI_LONG_DOUBLE_INT");
    check_pair<float, float>(MPI_2REAL, "MPI_2REAL");
    check_pair<double, double>(MPI_2DOUBLE_PRECISION, "MPI_2DOUBLE_PRECISION");
    check_pair<int, int>(MPI_2INTEGER, "MPI_2INTEGER");
}

TEST_F(Ops, ReplaceAndNoOpOnEveryType) {
    double a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_local(a, b, 3, MPI_DOUBLE, MPI_NO_OP));
    EXPECT_EQ(4, b[0]);
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_local(a, b, 3, MPI_DOUBLE, MPI_REPLACE));
    EXPECT_EQ(3, b[2]);
    char w[8] = "abcdefg", v[8] = "0000000";
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_local(w, v, 2, MPI_CHARACTER, MPI_REPLACE));
    EXPECT_EQ(0, std::memcmp(v, "ab00000", 7));
}

// A non-commutative op: inout = 10 * in + inout (the order of operands shows).
void shift_add(void* in, void* inout, int* len, MPI_Datatype* dt) {
    EXPECT_EQ(MPI_INT, *dt);
    for (int i = 0; i < *len; ++i) static_cast<int*>(inout)[i] += 10 * static_cast<int*>(in)[i];
}
void sum_c(void* in, void* inout, MPI_Count* len, MPI_Datatype* dt) {
    EXPECT_EQ(MPI_LONG, *dt);
    for (MPI_Count i = 0; i < *len; ++i) static_cast<long*>(inout)[i] += static_cast<long*>(in)[i];
}

TEST_F(Ops, UserOps) {
    MPI_Op op;
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_create(shift_add, 0, &op));
    int commute = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_commutative(op, &commute));
    EXPECT_EQ(0, commute);
    int a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_local(a, b, 3, MPI_INT, op));
    EXPECT_EQ(14, b[0]);
    EXPECT_EQ(36, b[2]);
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_free(&op));
    EXPECT_EQ(MPI_OP_NULL, op);

    MPI_Op opc;
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_create_c(sum_c, 1, &opc));
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_commutative(opc, &commute));
    EXPECT_EQ(1, commute);
    long x[3] = {1, 2, 3}, y[3] = {10, 20, 30};
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_local_c(x, y, 3, MPI_LONG, opc));
    EXPECT_EQ(33, y[2]);
    ASSERT_EQ(MPI_SUCCESS, MPI_Op_free(&opc));
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Op_free(&opc)));
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Reduce_local_c(x, y, 3, MPI_LONG, opc)));
}

TEST_F(Ops, PredefinedAreCommutativeAndCannotBeFreed) {
    for (const OpInfo& o : ops) {
        int commute = 0;
        ASSERT_EQ(MPI_SUCCESS, MPI_Op_commutative(o.op, &commute));
        EXPECT_EQ(1, commute) << o.name;
        MPI_Op h = o.op;
        EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Op_free(&h))) << o.name;
        EXPECT_EQ(o.op, h);
    }
}

TEST_F(Ops, BadArguments) {
    int a[2] = {1, 2}, b[2] = {3, 4};
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Reduce_local(a, b, 2, MPI_INT, MPI_OP_NULL)));
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Reduce_local(a, b, 2, MPI_DATATYPE_NULL, MPI_SUM)));
    EXPECT_EQ(MPI_ERR_COUNT, error_class(MPI_Reduce_local(a, b, -1, MPI_INT, MPI_SUM)));
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Reduce_local(nullptr, b, 2, MPI_INT, MPI_SUM)));
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Reduce_local(a, b, 2, MPI_FLOAT, MPI_BAND)));
    MPI_Op op;
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Op_create(nullptr, 1, &op)));
    int c;
    EXPECT_EQ(MPI_ERR_OP, error_class(MPI_Op_commutative(MPI_OP_NULL, &c)));
}

}  // namespace

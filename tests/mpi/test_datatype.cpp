// Derived datatypes: every constructor against a typemap computed here from the standard's
// definitions (packing must gather exactly those bytes, in order), random nested types
// (property test: size, true extent, pack/unpack round trip against the reference typemap),
// envelope and contents, names, Get_elements, external32, and bad arguments. Local calls plus
// a send/receive of a dense derived type to a neighbour: works at any size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/mpi/harness.hpp"
#include "tests/mpi/typemap.hpp"

using efampi::test::error_class;
using efampi::test::ReturnErrors;

namespace {

using namespace efampi::test::typemap;

// Fills `buf` with distinct bytes, packs `count` elements of `t` and compares with gathering
// the reference typemap's bytes.
void expect_packs_as(MPI_Datatype t, const Ref& r, int count, const std::string& what) {
    int64_t ext = r.ub - r.lb;
    int64_t lo = 0, hi = 0;
    for (const Entry& e : r.map) {
        lo = std::min(lo, e.off);
        hi = std::max(hi, e.off + e.size);
    }
    int64_t span = hi - lo + (count > 0 ? (count - 1) * std::max<int64_t>(ext, 0) : 0) + 64;
    std::vector<uint8_t> mem(static_cast<size_t>(span));
    for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(i * 131 + 7);
    uint8_t* base = mem.data() - lo;
    std::vector<uint8_t> want;
    for (int k = 0; k < count; ++k)
        for (const Entry& e : r.map)
            for (int64_t b = 0; b < e.size; ++b) want.push_back(base[k * ext + e.off + b]);
    int psize = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Pack_size(count, t, MPI_COMM_SELF, &psize)) << what;
    ASSERT_EQ(static_cast<int>(want.size()), psize) << what;
    std::vector<uint8_t> got(want.size() + 8, 0xCD);
    int pos = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Pack(base, count, t, got.data(), static_cast<int>(got.size()), &pos, MPI_COMM_SELF)) << what;
    ASSERT_EQ(static_cast<int>(want.size()), pos) << what;
    ASSERT_TRUE(std::equal(want.begin(), want.end(), got.begin())) << what << ": packed bytes differ";
    // Unpack into a zeroed copy: exactly the typemap's bytes come back.
    std::vector<uint8_t> back(mem.size(), 0);
    uint8_t* bbase = back.data() - lo;
    pos = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Unpack(got.data(), static_cast<int>(want.size()), &pos, bbase, count, t, MPI_COMM_SELF)) << what;
    for (int k = 0; k < count; ++k)
        for (const Entry& e : r.map)
            for (int64_t b = 0; b < e.size; ++b)
                ASSERT_EQ(base[k * ext + e.off + b], bbase[k * ext + e.off + b]) << what << ": unpack";
    int64_t size = 0;
    for (const Entry& e : r.map) size += e.size;
    int tsize = -1;
    MPI_Type_size(t, &tsize);
    EXPECT_EQ(size, tsize) << what;
    if (!r.map.empty()) {
        int64_t tlo = INT64_MAX, thi = INT64_MIN;
        for (const Entry& e : r.map) {
            tlo = std::min(tlo, e.off);
            thi = std::max(thi, e.off + e.size);
        }
        MPI_Aint tlb, text;
        MPI_Type_get_true_extent(t, &tlb, &text);
        EXPECT_EQ(tlo, tlb) << what;
        EXPECT_EQ(thi - tlo, text) << what;
    }
}

void expect_bounds(MPI_Datatype t, int64_t lb, int64_t extent, const std::string& what) {
    MPI_Aint l, e;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_extent(t, &l, &e));
    EXPECT_EQ(lb, l) << what;
    EXPECT_EQ(extent, e) << what;
}

class Types : public ::testing::Test {
protected:
    std::vector<MPI_Datatype> made;
    MPI_Datatype keep(MPI_Datatype t) {
        MPI_Type_commit(&t);
        made.push_back(t);
        return t;
    }
    void TearDown() override {
        for (MPI_Datatype& t : made) MPI_Type_free(&t);
    }
};

TEST_F(Types, EveryConstructorMatchesItsTypemap) {
    const Ref i4 = prim(4), d8 = prim(8), c1 = prim(1);
    MPI_Datatype t;
    // contiguous
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_contiguous(5, MPI_INT, &t));
    Ref r = empty_ref();
    append(r, i4, 0, 5);
    close(r);
    t = keep(t);
    expect_packs_as(t, r, 3, "contiguous");
    expect_bounds(t, 0, 20, "contiguous");
    // vector: 3 blocks of 2 ints, stride 5 ints
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(3, 2, 5, MPI_INT, &t));
    r = empty_ref();
    for (int i = 0; i < 3; ++i) append(r, i4, i * 20, 2);
    close(r);
    t = keep(t);
    expect_packs_as(t, r, 2, "vector");
    expect_bounds(t, 0, 48, "vector");
    // vector with a negative stride
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(3, 1, -2, MPI_DOUBLE, &t));
    r = empty_ref();
    for (int i = 0; i < 3; ++i) append(r, d8, -16 * i, 1);
    close(r);
    t = keep(t);
    expect_packs_as(t, r, 1, "vector, negative stride");
    expect_bounds(t, -32, 40, "vector, negative stride");
    // hvector: stride in bytes
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_hvector(4, 3, 7, MPI_CHAR, &t));
    r = empty_ref();
    for (int i = 0; i < 4; ++i) append(r, c1, 7 * i, 3);
    close(r);
    t = keep(t);
    expect_packs_as(t, r, 2, "hvector");
    // indexed (out of order, an empty block)
    {
        int bl[4] = {2, 0, 1, 3}, dis[4] = {6, 1, 0, 10};
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_indexed(4, bl, dis, MPI_INT, &t));
        r = empty_ref();
        for (int i = 0; i < 4; ++i) append(r, i4, 4 * dis[i], bl[i]);
        close(r);
        t = keep(t);
        expect_packs_as(t, r, 2, "indexed");
        expect_bounds(t, 0, 52, "indexed");
    }
    // hindexed
    {
        int bl[3] = {1, 2, 1};
        MPI_Aint dis[3] = {16, 0, 40};
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_hindexed(3, bl, dis, MPI_DOUBLE, &t));
        r = empty_ref();
        for (int i = 0; i < 3; ++i) append(r, d8, dis[i], bl[i]);
        close(r);
        t = keep(t);
        expect_packs_as(t, r, 2, "hindexed");
    }
    // indexed_block / hindexed_block
    {
        int dis[3] = {4, 0, 9};
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_indexed_block(3, 2, dis, MPI_INT, &t));
        r = empty_ref();
        for (int d : dis) append(r, i4, 4 * d, 2);
        close(r);
        t = keep(t);
        expect_packs_as(t, r, 2, "indexed_block");
        MPI_Aint hd[2] = {24, 3};
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_hindexed_block(2, 5, hd, MPI_CHAR, &t));
        r = empty_ref();
        for (MPI_Aint d : hd) append(r, c1, d, 5);
        close(r);
        t = keep(t);
        expect_packs_as(t, r, 3, "hindexed_block");
    }
    // struct {char; double; int[2]} with C layout: extent padded to 8
    {
        struct S { char c; double d; int i[2]; };
        int bl[3] = {1, 1, 2};
        MPI_Aint dis[3] = {offsetof(S, c), offsetof(S, d), offsetof(S, i)};
        MPI_Datatype ty[3] = {MPI_CHAR, MPI_DOUBLE, MPI_INT};
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_struct(3, bl, dis, ty, &t));
        r = empty_ref();
        append(r, c1, dis[0], 1);
        append(r, d8, dis[1], 1);
        append(r, i4, dis[2], 2);
        close(r);
        t = keep(t);
        expect_bounds(t, 0, sizeof(S), "struct");
        r.ub = sizeof(S);  // the padding epsilon
        expect_packs_as(t, r, 3, "struct");
    }
    // subarray, C and Fortran order
    for (int order : {MPI_ORDER_C, MPI_ORDER_FORTRAN}) {
        int sizes[3] = {4, 5, 6}, subs[3] = {2, 3, 2}, starts[3] = {1, 2, 3};
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_subarray(3, sizes, subs, starts, order, MPI_INT, &t));
        r = {{}, 0, 4 * 4 * 5 * 6};
        // Row-major (C): index (a, b, c) at ((a * 5) + b) * 6 + c; Fortran: (c * 5 + b) * 4 + a.
        if (order == MPI_ORDER_C) {
            for (int a = 1; a < 3; ++a)
                for (int b = 2; b < 5; ++b)
                    for (int c = 3; c < 5; ++c) r.map.push_back({4 * ((a * 5 + b) * 6 + c), 4});
        } else {
            // Fortran: the first index varies fastest; dims are (4, 5, 6) as given.
            for (int c = 3; c < 5; ++c)
                for (int b = 2; b < 5; ++b)
                    for (int a = 1; a < 3; ++a) r.map.push_back({4 * ((c * 5 + b) * 4 + a), 4});
        }
        t = keep(t);
        expect_packs_as(t, r, 1, order == MPI_ORDER_C ? "subarray C" : "subarray Fortran");
        expect_bounds(t, 0, 4 * 120, "subarray");
    }
    // darray: 2-D 7 x 5, block x cyclic(2) over a 2 x 2 grid, rank 3 (grid coords (1, 1))
    {
        int gs[2] = {7, 5}, dist[2] = {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC},
            darg[2] = {MPI_DISTRIBUTE_DFLT_DARG, 2}, ps[2] = {2, 2};
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_darray(4, 3, 2, gs, dist, darg, ps, MPI_ORDER_C, MPI_INT, &t));
        r = {{}, 0, 4 * 35};
        // Rows: block of ceil(7/2) = 4: coord 1 gets rows 4..6. Columns: cyclic(2), coord 1
        // gets columns 2, 3 (then 6.. is past 5).
        for (int row = 4; row < 7; ++row)
            for (int col : {2, 3}) r.map.push_back({4 * (row * 5 + col), 4});
        t = keep(t);
        expect_packs_as(t, r, 1, "darray");
        expect_bounds(t, 0, 140, "darray");
    }
    // resized: an int with extent 12 starting at -4
    {
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_resized(MPI_INT, -4, 12, &t));
        t = keep(t);
        expect_bounds(t, -4, 12, "resized");
        r = {{{0, 4}}, -4, 8};
        expect_packs_as(t, r, 4, "resized");
        MPI_Datatype c;
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_contiguous(3, t, &c));
        c = keep(c);
        expect_bounds(c, -4, 36, "contiguous of resized");
    }
    // dup keeps everything
    {
        MPI_Datatype v, dup;
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(2, 1, 3, MPI_DOUBLE, &v));
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_dup(v, &dup));
        MPI_Type_free(&v);  // the dup keeps what it needs
        dup = keep(dup);
        r = empty_ref();
        append(r, d8, 0, 1);
        append(r, d8, 24, 1);
        close(r);
        expect_packs_as(dup, r, 2, "dup");
    }
}

TEST_F(Types, RandomNestedTypesPackLikeTheirTypemap) {
    Gen g;
    for (int trial = 0; trial < 300; ++trial) {
        Ref r;
        std::vector<MPI_Datatype> temps;
        MPI_Datatype t = g.make(3, r, temps);
        if (temps.empty()) continue;
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_commit(&t));
        expect_bounds(t, r.lb, r.ub - r.lb, "random type " + std::to_string(trial));
        expect_packs_as(t, r, 1 + trial % 3, "random type " + std::to_string(trial));
        if (HasFatalFailure()) return;
        for (MPI_Datatype& x : temps) MPI_Type_free(&x);
    }
}

// Resident memory of this process (bytes).
int64_t rss_bytes() {
    long pages = 0, resident = 0;
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return -1;
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    std::fclose(f);
    return resident * 4096;
}

// Regular types cost memory by their shape, not their size: a vector of 2^28 blocks, a 3-d
// subarray, a vector of vectors are a few runs each (a flattened list would be gigabytes). An
// irregular type too large to represent is refused with a clear error, not an exhausted
// machine.
TEST_F(Types, RegularTypesStayCompactAtAnySize) {
    int64_t before = rss_bytes();
    MPI_Datatype v, sub, inner, vv;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(1 << 28, 1, 2, MPI_DOUBLE, &v));
    v = keep(v);
    int sizes[3] = {1024, 1024, 1024}, subs[3] = {512, 512, 512}, starts[3] = {1, 2, 3};
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_subarray(3, sizes, subs, starts, MPI_ORDER_FORTRAN, MPI_DOUBLE, &sub));
    sub = keep(sub);
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(1024, 1, 2, MPI_DOUBLE, &inner));
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(1 << 16, 1, 3, inner, &vv));  // 2^16 runs
    MPI_Type_free(&inner);
    vv = keep(vv);
    int64_t grown = rss_bytes() - before;
    EXPECT_LT(grown, int64_t(32) << 20) << "resident memory grew by " << grown << " bytes";
    MPI_Count size = 0, extent = 0, lb = 0;
    MPI_Type_size_c(v, &size);
    MPI_Type_get_extent_c(v, &lb, &extent);
    EXPECT_EQ(MPI_Count(8) << 28, size);
    EXPECT_EQ((MPI_Count(16) << 28) - 8, extent);
    MPI_Type_size_c(sub, &size);
    EXPECT_EQ(MPI_Count(8) * 512 * 512 * 512, size);
    MPI_Type_size_c(vv, &size);
    EXPECT_EQ(MPI_Count(8) * 1024 << 16, size);
    // Get_elements through the runs: a status for 2^31 bytes of the vector.
    MPI_Status st;
    ASSERT_EQ(MPI_SUCCESS, MPI_Status_set_elements_x(&st, v, MPI_Count(1) << 28));
    MPI_Count n = 0;
    MPI_Get_count_c(&st, v, &n);
    EXPECT_EQ(1, n);
    MPI_Get_elements_c(&st, MPI_DOUBLE, &n);
    EXPECT_EQ(MPI_Count(1) << 28, n);
    // 2^23 copies of a struct with padding inside: 2^24 irregular pieces.
    ReturnErrors errors;
    struct CI { char c; int i; };
    int bl[2] = {1, 1};
    MPI_Aint dis[2] = {offsetof(CI, c), offsetof(CI, i)};
    MPI_Datatype ty[2] = {MPI_CHAR, MPI_INT}, ci, big = MPI_DATATYPE_NULL;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_struct(2, bl, dis, ty, &ci));
    int rc = MPI_Type_contiguous(1 << 23, ci, &big);
    EXPECT_EQ(MPI_ERR_NO_MEM, error_class(rc));
    EXPECT_NE(std::string::npos, efampi::test::error_text(rc).find("irregular pieces"))
        << efampi::test::error_text(rc);
    EXPECT_EQ(MPI_DATATYPE_NULL, big);
    MPI_Type_free(&ci);
}

TEST_F(Types, EnvelopeAndContents) {
    MPI_Datatype v;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(3, 2, 7, MPI_FLOAT, &v));
    int ni, na, nd, comb;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_envelope(v, &ni, &na, &nd, &comb));
    EXPECT_EQ(MPI_COMBINER_VECTOR, comb);
    ASSERT_EQ(3, ni);
    EXPECT_EQ(0, na);
    ASSERT_EQ(1, nd);
    int ints[3];
    MPI_Datatype kid;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_contents(v, 3, 0, 1, ints, nullptr, &kid));
    EXPECT_EQ(3, ints[0]);
    EXPECT_EQ(2, ints[1]);
    EXPECT_EQ(7, ints[2]);
    EXPECT_EQ(MPI_FLOAT, kid);
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_envelope(MPI_INT, &ni, &na, &nd, &comb));
    EXPECT_EQ(MPI_COMBINER_NAMED, comb);
    // A struct: blocklengths in ints, displacements in addresses, one type each.
    int bl[2] = {1, 3};
    MPI_Aint dis[2] = {0, 16};
    MPI_Datatype ty[2] = {MPI_DOUBLE, v}, s;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_struct(2, bl, dis, ty, &s));
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_envelope(s, &ni, &na, &nd, &comb));
    EXPECT_EQ(MPI_COMBINER_STRUCT, comb);
    EXPECT_EQ(3, ni);
    EXPECT_EQ(2, na);
    EXPECT_EQ(2, nd);
    int si[3];
    MPI_Aint sa[2];
    MPI_Datatype st[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_contents(s, 3, 2, 2, si, sa, st));
    EXPECT_EQ(2, si[0]);
    EXPECT_EQ(3, si[2]);
    EXPECT_EQ(16, sa[1]);
    EXPECT_EQ(MPI_DOUBLE, st[0]);
    EXPECT_EQ(v, st[1]);
    MPI_Type_free(&st[1]);  // a derived type comes back as a handle to free
    MPI_Type_free(&v);
    MPI_Type_free(&s);
    // The _c constructor records counts.
    MPI_Datatype c;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_contiguous_c(5, MPI_INT, &c));
    MPI_Count cni, cna, cnc, cnd;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_envelope_c(c, &cni, &cna, &cnc, &cnd, &comb));
    EXPECT_EQ(0, cni);
    EXPECT_EQ(1, cnc);
    MPI_Type_free(&c);
}

TEST_F(Types, NamesAndMatchSize) {
    char name[MPI_MAX_OBJECT_NAME];
    int len;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_name(MPI_DOUBLE_INT, name, &len));
    EXPECT_STREQ("MPI_DOUBLE_INT", name);
    MPI_Datatype t;
    MPI_Type_contiguous(2, MPI_INT, &t);
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_name(t, name, &len));
    EXPECT_EQ(0, len);
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_set_name(t, "pair of ints"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_name(t, name, &len));
    EXPECT_STREQ("pair of ints", name);
    MPI_Type_free(&t);
    MPI_Datatype m;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_match_size(MPI_TYPECLASS_REAL, 8, &m));
    EXPECT_EQ(MPI_REAL8, m);
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_match_size(MPI_TYPECLASS_INTEGER, 4, &m));
    EXPECT_EQ(MPI_INTEGER4, m);
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_match_size(MPI_TYPECLASS_COMPLEX, 16, &m));
    EXPECT_EQ(MPI_COMPLEX16, m);
    MPI_Aint a1, a2;
    int arr[4];
    MPI_Get_address(&arr[0], &a1);
    MPI_Get_address(&arr[3], &a2);
    EXPECT_EQ(12, MPI_Aint_diff(a2, a1));
    EXPECT_EQ(a2, MPI_Aint_add(a1, 12));
    MPI_Datatype pr;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_value_index(MPI_DOUBLE, MPI_INT, &pr));
    EXPECT_EQ(MPI_DOUBLE_INT, pr);
}

// Fortran kind types: the sized type whose kind selected_real_kind / selected_int_kind would
// pick (gfortran's kinds), predefined (not freeable), the same handle for the same request,
// an F90 envelope with (p, r) as contents, and usable in communication and reductions.
TEST_F(Types, Fortran90KindTypes) {
    struct Want { int p, r; MPI_Count size; };
    const Want reals[] = {{3, MPI_UNDEFINED, 4}, {6, 37, 4}, {7, MPI_UNDEFINED, 8},
                          {MPI_UNDEFINED, 300, 8}, {15, 307, 8}, {16, MPI_UNDEFINED, 16},
                          {33, 4931, 16}};
    for (const Want& w : reals) {
        MPI_Datatype t = MPI_DATATYPE_NULL, c = MPI_DATATYPE_NULL, again = MPI_DATATYPE_NULL;
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_f90_real(w.p, w.r, &t)) << w.p << "," << w.r;
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_f90_complex(w.p, w.r, &c));
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_f90_real(w.p, w.r, &again));
        EXPECT_EQ(t, again);
        MPI_Count size = 0;
        MPI_Type_size_c(t, &size);
        EXPECT_EQ(w.size, size) << w.p << "," << w.r;
        MPI_Type_size_c(c, &size);
        EXPECT_EQ(2 * w.size, size);
        int ni, na, nd, comb, ints[2];
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_envelope(c, &ni, &na, &nd, &comb));
        EXPECT_EQ(MPI_COMBINER_F90_COMPLEX, comb);
        EXPECT_EQ(2, ni);
        EXPECT_EQ(0, nd);
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_contents(t, 2, 0, 0, ints, nullptr, nullptr));
        EXPECT_EQ(w.p, ints[0]);
        EXPECT_EQ(w.r, ints[1]);
    }
    const Want ints_[] = {{0, 2, 1}, {0, 3, 2}, {0, 9, 4}, {0, 10, 8}, {0, 18, 8}, {0, 38, 16}};
    for (const Want& w : ints_) {
        MPI_Datatype t;
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_f90_integer(w.r, &t));
        MPI_Count size = 0;
        MPI_Type_size_c(t, &size);
        EXPECT_EQ(w.size, size) << "range " << w.r;
        int ni, na, nd, comb;
        MPI_Type_get_envelope(t, &ni, &na, &nd, &comb);
        EXPECT_EQ(MPI_COMBINER_F90_INTEGER, comb);
        EXPECT_EQ(1, ni);
    }
    // A reduction and a message in REAL(8) kind.
    MPI_Datatype r8;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_f90_real(15, MPI_UNDEFINED, &r8));
    int p, me;
    MPI_Comm_size(MPI_COMM_WORLD, &p);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    double v[2] = {1.0 * me, 2.0}, sum[2] = {0, 0};
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(v, sum, 2, r8, MPI_SUM, MPI_COMM_WORLD));
    EXPECT_EQ(p * (p - 1) / 2.0, sum[0]);
    EXPECT_EQ(2.0 * p, sum[1]);
    double got[2] = {0, 0};
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(v, 2, r8, (me + 1) % p, 5, got, 2, MPI_DOUBLE,
                                        (me + p - 1) % p, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    EXPECT_EQ(1.0 * ((me + p - 1) % p), got[0]);
    // Bad requests and misuse.
    ReturnErrors errors;
    MPI_Datatype t;
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Type_create_f90_real(34, MPI_UNDEFINED, &t)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Type_create_f90_real(MPI_UNDEFINED, 5000, &t)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Type_create_f90_real(MPI_UNDEFINED, MPI_UNDEFINED, &t)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Type_create_f90_complex(-3, 10, &t)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Type_create_f90_integer(39, &t)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Type_create_f90_integer(-1, &t)));
    MPI_Datatype keep_r8 = r8;
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Type_free(&r8)));
    EXPECT_EQ(keep_r8, r8);
}

TEST_F(Types, External32IsBigEndianWithTheStandardsSizes) {
    int i = 0x01020304;
    double d = 1.0;
    long l = -2;
    unsigned char buf[32];
    MPI_Aint pos = 0, size = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Pack_external("external32", &i, 1, MPI_INT, buf, 32, &pos));
    ASSERT_EQ(MPI_SUCCESS, MPI_Pack_external("external32", &d, 1, MPI_DOUBLE, buf, 32, &pos));
    ASSERT_EQ(MPI_SUCCESS, MPI_Pack_external("external32", &l, 1, MPI_LONG, buf, 32, &pos));
    EXPECT_EQ(16, pos);  // MPI_LONG is 4 bytes in external32
    const unsigned char want[16] = {1, 2, 3, 4, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe};
    EXPECT_EQ(0, std::memcmp(want, buf, 16));
    ASSERT_EQ(MPI_SUCCESS, MPI_Pack_external_size("external32", 1, MPI_LONG, &size));
    EXPECT_EQ(4, size);
    int i2 = 0;
    double d2 = 0;
    long l2 = 0;
    pos = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Unpack_external("external32", buf, 16, &pos, &i2, 1, MPI_INT));
    ASSERT_EQ(MPI_SUCCESS, MPI_Unpack_external("external32", buf, 16, &pos, &d2, 1, MPI_DOUBLE));
    ASSERT_EQ(MPI_SUCCESS, MPI_Unpack_external("external32", buf, 16, &pos, &l2, 1, MPI_LONG));
    EXPECT_EQ(i, i2);
    EXPECT_EQ(d, d2);
    EXPECT_EQ(l, l2);
    // A derived type: each primitive converted in typemap order.
    struct { short s; int x; } v = {0x0102, 0x0a0b0c0d};
    int bl[2] = {1, 1};
    MPI_Aint dis[2] = {0, 4};
    MPI_Datatype ty[2] = {MPI_SHORT, MPI_INT}, st;
    MPI_Type_create_struct(2, bl, dis, ty, &st);
    MPI_Type_commit(&st);
    pos = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Pack_external("external32", &v, 1, st, buf, 32, &pos));
    EXPECT_EQ(6, pos);
    const unsigned char w2[6] = {1, 2, 0x0a, 0x0b, 0x0c, 0x0d};
    EXPECT_EQ(0, std::memcmp(w2, buf, 6));
    MPI_Type_free(&st);
}

TEST_F(Types, DenseDerivedTypesTravelAndGetElementsCounts) {
    int p, me;
    MPI_Comm_size(MPI_COMM_WORLD, &p);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Datatype three;
    MPI_Type_contiguous(3, MPI_INT, &three);
    MPI_Type_commit(&three);
    int out[6] = {me, 1, 2, 3, 4, 5}, in[9] = {0};
    MPI_Status st;
    // Five ints arrive where "three"s are expected: not a whole number of them.
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(out, 5, MPI_INT, (me + 1) % p, 3, in, 3, three,
                                        (me - 1 + p) % p, 3, MPI_COMM_WORLD, &st));
    int count = 0, elements = 0;
    MPI_Get_count(&st, three, &count);
    MPI_Get_elements(&st, three, &elements);
    EXPECT_EQ(MPI_UNDEFINED, count);
    EXPECT_EQ(5, elements);
    EXPECT_EQ((me - 1 + p) % p, in[0]);
    // And a reduction on the derived type (one predefined type inside).
    int sum[3] = {0};
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(out, sum, 1, three, MPI_SUM, MPI_COMM_WORLD));
    EXPECT_EQ(p * (p - 1) / 2, sum[0]);
    EXPECT_EQ(2 * p, sum[2]);
    MPI_Type_free(&three);
}

// Derived types with holes on the wire: same type signature, different layouts on the two
// sides (a matrix column sent, received contiguous, and back), nonblocking with the type freed
// before completion, Sendrecv of a subarray halo, and a rendezvous-sized strided vector.
TEST_F(Types, NonContiguousTypesTravelBetweenRanks) {
    int p, me;
    MPI_Comm_size(MPI_COMM_WORLD, &p);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    int right = (me + 1) % p, left = (me - 1 + p) % p;
    const int rows = 6, cols = 5;
    std::vector<int> m(rows * cols), col(rows, -1);
    for (int i = 0; i < rows * cols; ++i) m[static_cast<size_t>(i)] = me * 1000 + i;
    MPI_Datatype column;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(rows, 1, cols, MPI_INT, &column));
    MPI_Type_commit(&column);
    // Column 2 as a vector -> six contiguous ints.
    MPI_Status st;
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(m.data() + 2, 1, column, right, 1, col.data(), rows, MPI_INT,
                                        left, 1, MPI_COMM_WORLD, &st));
    for (int r = 0; r < rows; ++r) EXPECT_EQ(left * 1000 + r * cols + 2, col[static_cast<size_t>(r)]);
    // Six contiguous ints -> column 4 of a matrix (the rest untouched), nonblocking, the type
    // freed while the receive is pending.
    std::vector<int> target(rows * cols, -7);
    MPI_Datatype col2;
    MPI_Type_vector(rows, 1, cols, MPI_INT, &col2);
    MPI_Type_commit(&col2);
    MPI_Request rq[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(target.data() + 4, 1, col2, left, 2, MPI_COMM_WORLD, &rq[0]));
    MPI_Type_free(&col2);
    std::vector<int> src(rows);
    for (int r = 0; r < rows; ++r) src[static_cast<size_t>(r)] = me * 10 + r;
    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(src.data(), rows, MPI_INT, right, 2, MPI_COMM_WORLD, &rq[1]));
    MPI_Status sts[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, rq, sts));
    for (int i = 0; i < rows * cols; ++i) {
        int want = i % cols == 4 ? left * 10 + i / cols : -7;
        ASSERT_EQ(want, target[static_cast<size_t>(i)]) << "element " << i;
    }
    int count = -1;
    MPI_Get_count(&sts[0], column, &count);
    EXPECT_EQ(1, count);
    MPI_Get_count(&sts[0], MPI_INT, &count);
    EXPECT_EQ(rows, count);
    // A struct with holes, both sides, blocking; then Isend of the struct type.
    struct P { char c; double d; short s; };
    int bl[3] = {1, 1, 1};
    MPI_Aint dis[3] = {offsetof(P, c), offsetof(P, d), offsetof(P, s)};
    MPI_Datatype ty[3] = {MPI_CHAR, MPI_DOUBLE, MPI_SHORT}, pt;
    MPI_Type_create_struct(3, bl, dis, ty, &pt);
    MPI_Type_commit(&pt);
    P out[3], in[3];
    std::memset(in, 0, sizeof in);
    for (int k = 0; k < 3; ++k) out[k] = {static_cast<char>('a' + me % 26), me + k * 0.5, static_cast<short>(k)};
    MPI_Request sr;
    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(out, 3, pt, right, 3, MPI_COMM_WORLD, &sr));
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv(in, 3, pt, left, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&sr, MPI_STATUS_IGNORE));
    for (int k = 0; k < 3; ++k) {
        EXPECT_EQ('a' + left % 26, in[k].c);
        EXPECT_EQ(left + k * 0.5, in[k].d);
        EXPECT_EQ(k, in[k].s);
    }
    MPI_Type_free(&pt);
    // A 2-D halo: the last interior column of a 10 x 10 block (subarray) to the right
    // neighbour's ghost column 0.
    {
        int sizes[2] = {10, 10}, subs[2] = {8, 1}, s_send[2] = {1, 8}, s_recv[2] = {1, 0};
        MPI_Datatype send_t, recv_t;
        MPI_Type_create_subarray(2, sizes, subs, s_send, MPI_ORDER_C, MPI_DOUBLE, &send_t);
        MPI_Type_create_subarray(2, sizes, subs, s_recv, MPI_ORDER_C, MPI_DOUBLE, &recv_t);
        MPI_Type_commit(&send_t);
        MPI_Type_commit(&recv_t);
        std::vector<double> g(100, -1.0);
        for (int i = 0; i < 100; ++i) g[static_cast<size_t>(i)] = me * 100 + i;
        std::vector<double> h(g);
        ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(g.data(), 1, send_t, right, 4, h.data(), 1, recv_t, left, 4,
                                            MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        for (int r = 0; r < 10; ++r)
            for (int c = 0; c < 10; ++c) {
                double want = (c == 0 && r >= 1 && r <= 8) ? left * 100 + r * 10 + 8 : me * 100 + r * 10 + c;
                ASSERT_EQ(want, h[static_cast<size_t>(r * 10 + c)]) << "halo at " << r << "," << c;
            }
        MPI_Type_free(&send_t);
        MPI_Type_free(&recv_t);
    }
    // Rendezvous size: 4 MiB of 1 KiB blocks at a 2 KiB stride.
    {
        const int blocks = 4096, blk = 1024;
        MPI_Datatype strided;
        MPI_Type_vector(blocks, blk, 2 * blk, MPI_CHAR, &strided);
        MPI_Type_commit(&strided);
        std::vector<char> a(static_cast<size_t>(2 * blk * blocks)), b(a.size(), 0);
        for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<char>((i * 7 + static_cast<size_t>(me)) & 0x7f);
        ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(a.data(), 1, strided, right, 5, b.data(), 1, strided, left, 5,
                                            MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        for (size_t i = 0; i < a.size(); ++i) {
            char want = (i / blk) % 2 == 0 ? static_cast<char>((i * 7 + static_cast<size_t>(left)) & 0x7f) : 0;
            ASSERT_EQ(want, b[i]) << "byte " << i;
        }
        MPI_Type_free(&strided);
    }
    MPI_Type_free(&column);
}

// Persistent, buffered and matched-probe receives with a type with holes; Status_set_elements.
TEST_F(Types, NonContiguousInPersistentBufferedAndMatchedCalls) {
    int p, me;
    MPI_Comm_size(MPI_COMM_WORLD, &p);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    int right = (me + 1) % p, left = (me - 1 + p) % p;
    MPI_Datatype every_other;
    MPI_Type_vector(4, 1, 2, MPI_INT, &every_other);
    MPI_Type_commit(&every_other);
    int src[8], dst[8];
    // Persistent send and receive, started three times with new data each time.
    MPI_Request q[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv_init(dst, 1, every_other, left, 7, MPI_COMM_WORLD, &q[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send_init(src, 1, every_other, right, 7, MPI_COMM_WORLD, &q[1]));
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 8; ++i) {
            src[i] = me * 100 + round * 10 + i;
            dst[i] = -1;
        }
        ASSERT_EQ(MPI_SUCCESS, MPI_Startall(2, q));
        ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, q, MPI_STATUSES_IGNORE));
        for (int i = 0; i < 8; ++i)
            ASSERT_EQ(i % 2 == 0 ? left * 100 + round * 10 + i : -1, dst[i]) << "round " << round;
    }
    MPI_Request_free(&q[0]);
    MPI_Request_free(&q[1]);
    // Buffered send of the strided ints, received contiguous through a matched probe.
    std::vector<char> bbuf(1024 + MPI_BSEND_OVERHEAD);
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_attach(bbuf.data(), static_cast<int>(bbuf.size())));
    for (int i = 0; i < 8; ++i) src[i] = me * 1000 + i;
    ASSERT_EQ(MPI_SUCCESS, MPI_Bsend(src, 1, every_other, right, 8, MPI_COMM_WORLD));
    MPI_Message msg;
    MPI_Status st;
    ASSERT_EQ(MPI_SUCCESS, MPI_Mprobe(left, 8, MPI_COMM_WORLD, &msg, &st));
    std::fill(dst, dst + 8, -1);
    ASSERT_EQ(MPI_SUCCESS, MPI_Mrecv(dst, 1, every_other, &msg, &st));  // strided again
    for (int i = 0; i < 8; ++i) EXPECT_EQ(i % 2 == 0 ? left * 1000 + i : -1, dst[i]);
    void* detached;
    int dsize;
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_detach(&detached, &dsize));
    // Sendrecv_replace and Isendrecv(_replace) with the strided type.
    for (int i = 0; i < 8; ++i) dst[i] = me * 10 + i;
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv_replace(dst, 1, every_other, right, 9, left, 9, MPI_COMM_WORLD,
                                                MPI_STATUS_IGNORE));
    for (int i = 0; i < 8; ++i) EXPECT_EQ(i % 2 == 0 ? left * 10 + i : me * 10 + i, dst[i]);
    for (int i = 0; i < 8; ++i) {
        src[i] = me * 10 + i;
        dst[i] = -1;
    }
    MPI_Request iq;
    ASSERT_EQ(MPI_SUCCESS, MPI_Isendrecv(src, 1, every_other, right, 10, dst, 4, MPI_INT, left, 10,
                                         MPI_COMM_WORLD, &iq));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&iq, MPI_STATUS_IGNORE));
    for (int i = 0; i < 4; ++i) EXPECT_EQ(left * 10 + 2 * i, dst[i]);
    for (int i = 0; i < 8; ++i) dst[i] = me * 10 + i;
    ASSERT_EQ(MPI_SUCCESS, MPI_Isendrecv_replace(dst, 1, every_other, right, 11, left, 11,
                                                 MPI_COMM_WORLD, &iq));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&iq, MPI_STATUS_IGNORE));
    for (int i = 0; i < 8; ++i) EXPECT_EQ(i % 2 == 0 ? left * 10 + i : me * 10 + i, dst[i]);
    // Status_set_elements / Get_elements on a type of two primitive kinds.
    int bl[2] = {1, 2};
    MPI_Aint dis[2] = {0, 8};
    MPI_Datatype ty[2] = {MPI_DOUBLE, MPI_INT}, mixed;
    MPI_Type_create_struct(2, bl, dis, ty, &mixed);
    MPI_Type_commit(&mixed);
    MPI_Status s2;
    ASSERT_EQ(MPI_SUCCESS, MPI_Status_set_elements(&s2, mixed, 5));  // one whole (3) + 2 more
    int n = -1;
    MPI_Get_elements(&s2, mixed, &n);
    EXPECT_EQ(5, n);
    MPI_Get_count(&s2, mixed, &n);
    EXPECT_EQ(MPI_UNDEFINED, n);
    MPI_Type_free(&mixed);
    MPI_Type_free(&every_other);
}

// Blocking data-movement collectives with types that have holes on one side or both.
TEST_F(Types, NonContiguousTypesInCollectives) {
    int p, me;
    MPI_Comm_size(MPI_COMM_WORLD, &p);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    // Bcast of three structs with holes.
    struct P { char c; double d; };
    int bl[2] = {1, 1};
    MPI_Aint dis[2] = {offsetof(P, c), offsetof(P, d)};
    MPI_Datatype ty[2] = {MPI_CHAR, MPI_DOUBLE}, pt;
    MPI_Type_create_struct(2, bl, dis, ty, &pt);
    MPI_Type_commit(&pt);
    P v[3];
    for (int k = 0; k < 3; ++k) v[k] = me == p - 1 ? P{static_cast<char>('x' + k), 1.5 * k} : P{0, -1};
    ASSERT_EQ(MPI_SUCCESS, MPI_Bcast(v, 3, pt, p - 1, MPI_COMM_WORLD));
    for (int k = 0; k < 3; ++k) {
        EXPECT_EQ('x' + k, v[k].c);
        EXPECT_EQ(1.5 * k, v[k].d);
    }
    // Gather: every rank sends column `me % cols` of its 4 x 3 matrix (a vector); the root
    // receives contiguous ints. Then Allgather: strided on both sides.
    const int rows = 4, cols = 3;
    MPI_Datatype column;
    MPI_Type_vector(rows, 1, cols, MPI_INT, &column);
    MPI_Type_commit(&column);
    std::vector<int> m(rows * cols);
    for (int i = 0; i < rows * cols; ++i) m[static_cast<size_t>(i)] = me * 100 + i;
    std::vector<int> all(static_cast<size_t>(p * rows), -1);
    ASSERT_EQ(MPI_SUCCESS, MPI_Gather(m.data() + 1, 1, column, all.data(), rows, MPI_INT, 0, MPI_COMM_WORLD));
    if (me == 0) {
        for (int r = 0; r < p; ++r)
            for (int i = 0; i < rows; ++i)
                ASSERT_EQ(r * 100 + i * cols + 1, all[static_cast<size_t>(r * rows + i)]);
    }
    // Scatter: the root's contiguous blocks land in column 2 of every rank's matrix.
    std::vector<int> blocks(static_cast<size_t>(p * rows));
    for (int i = 0; i < p * rows; ++i) blocks[static_cast<size_t>(i)] = 7000 + i;
    std::vector<int> mine(rows * cols, -1);
    ASSERT_EQ(MPI_SUCCESS, MPI_Scatter(blocks.data(), rows, MPI_INT, mine.data() + 2, 1, column, 0, MPI_COMM_WORLD));
    for (int i = 0; i < rows * cols; ++i)
        ASSERT_EQ(i % cols == 2 ? 7000 + me * rows + i / cols : -1, mine[static_cast<size_t>(i)]);
    // Allgather of column 0 into the columns of a rows x p matrix (resized column type:
    // extent one int, so block r starts at column r).
    MPI_Datatype col_p, col_p_resized;
    MPI_Type_vector(rows, 1, p, MPI_INT, &col_p);
    MPI_Type_create_resized(col_p, 0, sizeof(int), &col_p_resized);
    MPI_Type_commit(&col_p_resized);
    std::vector<int> gathered(static_cast<size_t>(rows * p), -1);
    ASSERT_EQ(MPI_SUCCESS, MPI_Allgather(m.data(), 1, column, gathered.data(), 1, col_p_resized, MPI_COMM_WORLD));
    for (int i = 0; i < rows; ++i)
        for (int r = 0; r < p; ++r)
            ASSERT_EQ(r * 100 + i * cols, gathered[static_cast<size_t>(i * p + r)]) << i << "," << r;
    // Alltoall as a transpose: column r of a p x p matrix goes to rank r.
    std::vector<int> a(static_cast<size_t>(p * p)), t(static_cast<size_t>(p * p), -1);
    for (int i = 0; i < p * p; ++i) a[static_cast<size_t>(i)] = me * 1000 + i;
    MPI_Datatype colv, colv_r;
    MPI_Type_vector(p, 1, p, MPI_INT, &colv);
    MPI_Type_create_resized(colv, 0, sizeof(int), &colv_r);
    MPI_Type_commit(&colv_r);
    // Block r of the send side is column r (resized to one int, so block r starts at
    // column r); each source's block arrives as p contiguous ints.
    ASSERT_EQ(MPI_SUCCESS, MPI_Alltoall(a.data(), 1, colv_r, t.data(), p, MPI_INT, MPI_COMM_WORLD));
    // Block r sent by rank s is column r of s's matrix: a[s][i*p + r] for i = 0..p-1.
    for (int s = 0; s < p; ++s)
        for (int i = 0; i < p; ++i)
            ASSERT_EQ(s * 1000 + i * p + me, t[static_cast<size_t>(s * p + i)]) << s << "," << i;
    MPI_Type_free(&colv);
    MPI_Type_free(&colv_r);
    MPI_Type_free(&col_p);
    MPI_Type_free(&col_p_resized);
    MPI_Type_free(&column);
    MPI_Type_free(&pt);
}

// A pair type's padding is not message data: MPI_DOUBLE_INT matches a user's struct {double;
// int} (same layout, holes at the padding) and a packed {double, int} of extent 12, both ways,
// blocking and nonblocking; Get_count/Get_elements count pairs and basic elements; MINLOC on
// MPI_DOUBLE_INT in every collective form still works (on its layout).
TEST_F(Types, PairTypesMatchUserTypesOfTheirSignature) {
    int p, me;
    MPI_Comm_size(MPI_COMM_WORLD, &p);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    int right = (me + 1) % p, left = (me - 1 + p) % p;
    struct DI { double d; int i; };
    int bl[2] = {1, 1};
    MPI_Aint dis[2] = {offsetof(DI, d), offsetof(DI, i)};
    MPI_Datatype ty[2] = {MPI_DOUBLE, MPI_INT}, st, packed12, tmp;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_struct(2, bl, dis, ty, &st));
    st = keep(st);
    MPI_Aint pdis[2] = {0, 8};
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_struct(2, bl, pdis, ty, &tmp));
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_resized(tmp, 0, 12, &packed12));
    MPI_Type_free(&tmp);
    packed12 = keep(packed12);
    const int n = 5000;  // 60 KB of data: past the eager limits
    std::vector<DI> out(n), in(n);
    for (int k = 0; k < n; ++k) out[static_cast<size_t>(k)] = DI{me + 0.5 * k, me * 100000 + k};
    // (send type, receive type, receive buffer stride in bytes)
    struct Case { MPI_Datatype s, r; int rstride; const char* what; };
    const Case cases[] = {{MPI_DOUBLE_INT, st, 16, "pair -> struct"},
                          {st, MPI_DOUBLE_INT, 16, "struct -> pair"},
                          {MPI_DOUBLE_INT, packed12, 12, "pair -> packed"},
                          {MPI_DOUBLE_INT, MPI_DOUBLE_INT, 16, "pair -> pair"}};
    for (const Case& c : cases) {
        for (int count : {1, n}) {
            std::vector<unsigned char> rb(static_cast<size_t>(count) * 16 + 16, 0xEE);
            MPI_Request rq[2];
            MPI_Status sts[2];
            ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(rb.data(), count, c.r, left, 21, MPI_COMM_WORLD, &rq[0]));
            ASSERT_EQ(MPI_SUCCESS, MPI_Isend(out.data(), count, c.s, right, 21, MPI_COMM_WORLD, &rq[1]));
            ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, rq, sts)) << c.what;
            int got = -1, elems = -1;
            MPI_Get_count(&sts[0], MPI_DOUBLE_INT, &got);
            MPI_Get_elements(&sts[0], MPI_DOUBLE_INT, &elems);
            EXPECT_EQ(count, got) << c.what;
            EXPECT_EQ(2 * count, elems) << c.what;
            for (int k = 0; k < count; ++k) {
                double d;
                int i;
                std::memcpy(&d, rb.data() + k * c.rstride, 8);
                std::memcpy(&i, rb.data() + k * c.rstride + 8, 4);
                ASSERT_EQ(left + 0.5 * k, d) << c.what << " element " << k;
                ASSERT_EQ(left * 100000 + k, i) << c.what << " element " << k;
                if (c.rstride == 16) {  // the padding of the receive buffer is not written
                    for (int b = 12; b < 16; ++b)
                        ASSERT_EQ(0xEE, rb[static_cast<size_t>(k * 16 + b)]) << c.what;
                }
            }
        }
    }
    // MINLOC on the pair type (packed in the collectives, reduced on its layout).
    std::vector<DI> v(3), r(3);
    for (int k = 0; k < 3; ++k) v[static_cast<size_t>(k)] = DI{static_cast<double>((me + k) % p), me};
    MPI_Request q;
    for (int form = 0; form < 3; ++form) {
        for (DI& x : r) x = DI{-1, -1};
        if (form == 0) {
            ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(v.data(), r.data(), 3, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD));
        } else if (form == 1) {
            ASSERT_EQ(MPI_SUCCESS, MPI_Iallreduce(v.data(), r.data(), 3, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD, &q));
            ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&q, MPI_STATUS_IGNORE));
        } else {
            ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce_init(v.data(), r.data(), 3, MPI_DOUBLE_INT, MPI_MINLOC,
                                                      MPI_COMM_WORLD, MPI_INFO_NULL, &q));
            ASSERT_EQ(MPI_SUCCESS, MPI_Start(&q));
            ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&q, MPI_STATUS_IGNORE));
            MPI_Request_free(&q);
        }
        for (int k = 0; k < 3; ++k) {
            // Value 0 is held by the rank r with (r + k) % p == 0: r = (p - k % p) % p.
            EXPECT_EQ(0.0, r[static_cast<size_t>(k)].d) << "form " << form;
            EXPECT_EQ((p - k % p) % p, r[static_cast<size_t>(k)].i) << "form " << form << " k " << k;
        }
    }
}

TEST_F(Types, BadArguments) {
    ReturnErrors errors;
    MPI_Datatype t;
    EXPECT_EQ(MPI_ERR_COUNT, error_class(MPI_Type_contiguous(-1, MPI_INT, &t)));
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Type_contiguous(2, MPI_DATATYPE_NULL, &t)));
    int sizes[2] = {4, 4}, subs[2] = {2, 3}, starts[2] = {1, 2};
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Type_create_subarray(2, sizes, subs, starts, MPI_ORDER_C, MPI_INT, &t)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Type_create_subarray(2, sizes, subs, starts, 77, MPI_INT, &t)));
    MPI_Datatype pre = MPI_INT;
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Type_free(&pre)));
    // Layouts past 2^63 bytes are refused, not wrapped into a nonsense extent.
    const MPI_Count big = MPI_Count(1) << 40;
    EXPECT_EQ(MPI_ERR_COUNT, error_class(MPI_Type_vector_c(big, 1, big, MPI_DOUBLE, &t)));
    EXPECT_EQ(MPI_ERR_COUNT, error_class(MPI_Type_contiguous_c(MPI_Count(1) << 62, MPI_DOUBLE, &t)));
    EXPECT_EQ(MPI_ERR_COUNT, error_class(MPI_Type_create_hvector_c(4, 1, MPI_Count(1) << 62, MPI_DOUBLE, &t)));
    MPI_Count bigsizes[3] = {big, big, 8}, bigsubs[3] = {1, 1, 1}, bigstarts[3] = {0, 0, 0};
    EXPECT_EQ(MPI_ERR_COUNT, error_class(MPI_Type_create_subarray_c(3, bigsizes, bigsubs, bigstarts,
                                                                    MPI_ORDER_C, MPI_DOUBLE, &t)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Type_create_resized_c(MPI_INT, MPI_Count(1) << 62,
                                                                 MPI_Count(1) << 62, &t)));
    // Uncommitted types cannot travel.
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_contiguous(2, MPI_INT, &t));
    int buf[2] = {1, 2};
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Send(buf, 1, t, MPI_PROC_NULL, 0, MPI_COMM_WORLD)));
    MPI_Type_free(&t);
    // (Derived types with holes in every collective form: test_dtcoll*.cpp.)
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(2, 1, 2, MPI_INT, &t));
    MPI_Type_commit(&t);
    // Packing past the end of the buffer.
    char small[4];
    int pos = 0;
    EXPECT_EQ(MPI_ERR_TRUNCATE, error_class(MPI_Pack(buf, 2, MPI_INT, small, 4, &pos, MPI_COMM_WORLD)));
    MPI_Type_free(&t);
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Type_commit(&t)));  // MPI_DATATYPE_NULL now
}

}  // namespace

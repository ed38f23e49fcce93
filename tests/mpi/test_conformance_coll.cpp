// Conformance, collectives (MPI 4.1 chapter 6) and datatypes (chapter 5): zero counts in every
// collective, MPI_IN_PLACE everywhere the standard allows it, the size-1 communicator,
// MPI_PROC_NULL neighbours in neighbourhood collectives, datatype frees in any order. Bodies
// work at any size; results are checked against values computed here.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::error_class;
using efampi::test::rank;
using efampi::test::size;

namespace {

std::vector<int> counts_of(int n, int each) { return std::vector<int>(static_cast<size_t>(n), each); }
std::vector<int> displs_of(int n, int each) {
    std::vector<int> d(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) d[static_cast<size_t>(i)] = i * each;
    return d;
}

// Every collective with zero counts (and NULL buffers): nothing moves, nothing fails.
void zero_count_collectives(MPI_Comm comm) {
    int n = 0;
    MPI_Comm_size(comm, &n);
    std::vector<int> zc = counts_of(n, 0), zd = displs_of(n, 0);
    std::vector<MPI_Datatype> tys(static_cast<size_t>(n), MPI_INT);
    EXPECT_EQ(MPI_SUCCESS, MPI_Bcast(nullptr, 0, MPI_INT, 0, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Reduce(nullptr, nullptr, 0, MPI_INT, MPI_SUM, 0, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Allreduce(nullptr, nullptr, 0, MPI_INT, MPI_SUM, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Gather(nullptr, 0, MPI_INT, nullptr, 0, MPI_INT, 0, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Scatter(nullptr, 0, MPI_INT, nullptr, 0, MPI_INT, 0, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Allgather(nullptr, 0, MPI_INT, nullptr, 0, MPI_INT, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Alltoall(nullptr, 0, MPI_INT, nullptr, 0, MPI_INT, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Gatherv(nullptr, 0, MPI_INT, nullptr, zc.data(), zd.data(), MPI_INT, 0, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Scatterv(nullptr, zc.data(), zd.data(), MPI_INT, nullptr, 0, MPI_INT, 0, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Allgatherv(nullptr, 0, MPI_INT, nullptr, zc.data(), zd.data(), MPI_INT, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Alltoallv(nullptr, zc.data(), zd.data(), MPI_INT, nullptr, zc.data(), zd.data(), MPI_INT, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Alltoallw(nullptr, zc.data(), zd.data(), tys.data(), nullptr, zc.data(), zd.data(), tys.data(), comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Reduce_scatter(nullptr, nullptr, zc.data(), MPI_INT, MPI_SUM, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Reduce_scatter_block(nullptr, nullptr, 0, MPI_INT, MPI_SUM, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Scan(nullptr, nullptr, 0, MPI_INT, MPI_SUM, comm));
    EXPECT_EQ(MPI_SUCCESS, MPI_Exscan(nullptr, nullptr, 0, MPI_INT, MPI_SUM, comm));
    MPI_Request r;
    EXPECT_EQ(MPI_SUCCESS, MPI_Iallreduce(nullptr, nullptr, 0, MPI_INT, MPI_SUM, comm, &r));
    EXPECT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
}

TEST(Collectives, ZeroCountsEverywhere) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    zero_count_collectives(MPI_COMM_WORLD);
    zero_count_collectives(MPI_COMM_SELF);  // the size-1 communicator
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

// MPI_IN_PLACE in every collective that allows it (MPI 4.1 §6.2.3), on WORLD and SELF.
void in_place_collectives(MPI_Comm comm) {
    int n = 0, me = 0;
    MPI_Comm_size(comm, &n);
    MPI_Comm_rank(comm, &me);
    size_t N = static_cast<size_t>(n);
    const int sum_ranks = n * (n - 1) / 2;

    int v = me;
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, comm));
    EXPECT_EQ(sum_ranks, v) << "Allreduce";

    v = me;
    if (me == 0) ASSERT_EQ(MPI_SUCCESS, MPI_Reduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, 0, comm));
    else ASSERT_EQ(MPI_SUCCESS, MPI_Reduce(&v, nullptr, 1, MPI_INT, MPI_SUM, 0, comm));
    if (me == 0) EXPECT_EQ(sum_ranks, v) << "Reduce";

    std::vector<int> all(N, -1);
    all[static_cast<size_t>(me)] = 10 * me;
    ASSERT_EQ(MPI_SUCCESS, MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all.data(), 1, MPI_INT, comm));
    for (int i = 0; i < n; ++i) EXPECT_EQ(10 * i, all[static_cast<size_t>(i)]) << "Allgather";

    std::fill(all.begin(), all.end(), -1);
    all[static_cast<size_t>(me)] = 20 * me;
    std::vector<int> ones = counts_of(n, 1), disp = displs_of(n, 1);
    ASSERT_EQ(MPI_SUCCESS, MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all.data(), ones.data(), disp.data(), MPI_INT, comm));
    for (int i = 0; i < n; ++i) EXPECT_EQ(20 * i, all[static_cast<size_t>(i)]) << "Allgatherv";

    std::fill(all.begin(), all.end(), -1);
    all[static_cast<size_t>(me)] = 30 * me;
    if (me == 0) ASSERT_EQ(MPI_SUCCESS, MPI_Gather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all.data(), 1, MPI_INT, 0, comm));
    else ASSERT_EQ(MPI_SUCCESS, MPI_Gather(&all[static_cast<size_t>(me)], 1, MPI_INT, nullptr, 0, MPI_DATATYPE_NULL, 0, comm));
    if (me == 0) for (int i = 0; i < n; ++i) EXPECT_EQ(30 * i, all[static_cast<size_t>(i)]) << "Gather";

    if (me == 0) for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = 40 * i;
    if (me == 0) ASSERT_EQ(MPI_SUCCESS, MPI_Scatter(all.data(), 1, MPI_INT, MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, 0, comm));
    else {
        v = -1;
        ASSERT_EQ(MPI_SUCCESS, MPI_Scatter(nullptr, 0, MPI_DATATYPE_NULL, &v, 1, MPI_INT, 0, comm));
        EXPECT_EQ(40 * me, v) << "Scatter";
    }
    if (me == 0) EXPECT_EQ(0, all[0]) << "Scatter root kept its block";

    // Alltoall in place: block i of rank r becomes r * 100 + i at rank i.
    for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = me * 100 + i;
    ASSERT_EQ(MPI_SUCCESS, MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all.data(), 1, MPI_INT, comm));
    for (int i = 0; i < n; ++i) EXPECT_EQ(i * 100 + me, all[static_cast<size_t>(i)]) << "Alltoall";
    for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = me * 100 + i;
    ASSERT_EQ(MPI_SUCCESS, MPI_Alltoallv(MPI_IN_PLACE, nullptr, nullptr, MPI_DATATYPE_NULL, all.data(), ones.data(), disp.data(), MPI_INT, comm));
    for (int i = 0; i < n; ++i) EXPECT_EQ(i * 100 + me, all[static_cast<size_t>(i)]) << "Alltoallv";
    for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = me * 100 + i;
    std::vector<int> bdisp = displs_of(n, static_cast<int>(sizeof(int)));
    std::vector<MPI_Datatype> tys(N, MPI_INT);
    ASSERT_EQ(MPI_SUCCESS, MPI_Alltoallw(MPI_IN_PLACE, nullptr, nullptr, nullptr, all.data(), ones.data(), bdisp.data(), tys.data(), comm));
    for (int i = 0; i < n; ++i) EXPECT_EQ(i * 100 + me, all[static_cast<size_t>(i)]) << "Alltoallw";

    // Reduce_scatter(_block) in place: each rank keeps the sum of its block.
    for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = i + me;
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_scatter_block(MPI_IN_PLACE, all.data(), 1, MPI_INT, MPI_SUM, comm));
    EXPECT_EQ(n * me + sum_ranks, all[0]) << "Reduce_scatter_block";
    for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = i + me;
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_scatter(MPI_IN_PLACE, all.data(), ones.data(), MPI_INT, MPI_SUM, comm));
    EXPECT_EQ(n * me + sum_ranks, all[0]) << "Reduce_scatter";

    v = me + 1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Scan(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, comm));
    EXPECT_EQ((me + 1) * (me + 2) / 2, v) << "Scan";
    v = me + 1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Exscan(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, comm));
    if (me > 0) EXPECT_EQ(me * (me + 1) / 2, v) << "Exscan";
}

TEST(Collectives, InPlaceEverywhereAllowed) {
    in_place_collectives(MPI_COMM_WORLD);
    in_place_collectives(MPI_COMM_SELF);
}

// The nonblocking and persistent forms take MPI_IN_PLACE the same way; a persistent one reads
// its in-place input again at every start.
TEST(Collectives, InPlaceNonblockingAndPersistent) {
    int n = size(), me = rank();
    size_t N = static_cast<size_t>(n);
    MPI_Request r;
    int v = me;
    ASSERT_EQ(MPI_SUCCESS, MPI_Iallreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &r));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
    EXPECT_EQ(n - 1, v);
    std::vector<int> all(N, -1);
    all[static_cast<size_t>(me)] = me + 1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Iallgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all.data(), 1,
                                          MPI_INT, MPI_COMM_WORLD, &r));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
    for (int i = 0; i < n; ++i) EXPECT_EQ(i + 1, all[static_cast<size_t>(i)]);
    for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = me * 100 + i;
    ASSERT_EQ(MPI_SUCCESS, MPI_Ialltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all.data(), 1,
                                         MPI_INT, MPI_COMM_WORLD, &r));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
    for (int i = 0; i < n; ++i) EXPECT_EQ(i * 100 + me, all[static_cast<size_t>(i)]);
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce_init(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM,
                                              MPI_COMM_WORLD, MPI_INFO_NULL, &r));
    for (int round = 1; round <= 3; ++round) {
        v = round;
        ASSERT_EQ(MPI_SUCCESS, MPI_Start(&r));
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
        EXPECT_EQ(round * n, v) << "round " << round;
    }
    MPI_Request_free(&r);
    ASSERT_EQ(MPI_SUCCESS, MPI_Scan_init(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD,
                                         MPI_INFO_NULL, &r));
    for (int round = 1; round <= 2; ++round) {
        v = round;
        ASSERT_EQ(MPI_SUCCESS, MPI_Start(&r));
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
        EXPECT_EQ(round * (me + 1), v) << "round " << round;
    }
    MPI_Request_free(&r);
}

// A non-periodic ring: the ends have MPI_PROC_NULL neighbours, whose blocks are left alone.
TEST(Collectives, NeighbourhoodWithProcNullNeighbours) {
    int dims[1] = {size()}, periods[1] = {0};
    MPI_Comm line;
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &line));
    int me = 0;
    MPI_Comm_rank(line, &me);
    int out = 10 + me, in[2] = {-7, -7};
    ASSERT_EQ(MPI_SUCCESS, MPI_Neighbor_allgather(&out, 1, MPI_INT, in, 1, MPI_INT, line));
    EXPECT_EQ(me > 0 ? 10 + me - 1 : -7, in[0]);
    EXPECT_EQ(me < size() - 1 ? 10 + me + 1 : -7, in[1]);
    int sends[2] = {100 * me, 100 * me + 1}, recvs[2] = {-7, -7};
    ASSERT_EQ(MPI_SUCCESS, MPI_Neighbor_alltoall(sends, 1, MPI_INT, recvs, 1, MPI_INT, line));
    EXPECT_EQ(me > 0 ? 100 * (me - 1) + 1 : -7, recvs[0]);
    EXPECT_EQ(me < size() - 1 ? 100 * (me + 1) : -7, recvs[1]);
    // MPI_BOTTOM with absolute byte displacements in the w form; a NULL buffer whose blocks
    // lie at address 0 is refused (the v forms count displacements in extents).
    int got[2] = {-7, -7};
    MPI_Aint where[2];
    MPI_Get_address(&got[0], &where[0]);
    MPI_Get_address(&got[1], &where[1]);
    int one[2] = {1, 1};
    MPI_Aint sd[2] = {0, 0};
    MPI_Datatype ints[2] = {MPI_INT, MPI_INT};
    ASSERT_EQ(MPI_SUCCESS, MPI_Neighbor_alltoallw(&out, one, sd, ints, MPI_BOTTOM, one, where,
                                                  ints, line));
    EXPECT_EQ(me > 0 ? 10 + me - 1 : -7, got[0]);
    EXPECT_EQ(me < size() - 1 ? 10 + me + 1 : -7, got[1]);
    MPI_Comm_set_errhandler(line, MPI_ERRORS_RETURN);
    int zero[2] = {0, 0};
    // (At 1 rank both neighbours are MPI_PROC_NULL: nothing is received, so nothing is wrong.)
    EXPECT_EQ(size() > 1 ? MPI_ERR_BUFFER : MPI_SUCCESS,
              error_class(MPI_Neighbor_alltoallv(&out, one, zero, MPI_INT, nullptr, one, zero,
                                                 MPI_INT, line)));
    MPI_Comm_free(&line);
}

// MPI_BOTTOM in the v and w forms: displacements (in extents, or bytes for w) count from
// address 0 when the type is absolute; a NULL buffer with data at address 0 is refused, not
// dereferenced.
TEST(Collectives, BottomInVAndWForms) {
    int n = size();
    size_t N = static_cast<size_t>(n);
    std::vector<int> got(N, -1);
    int mine = 7 * rank();
    // Gather every rank's int into `got` through MPI_BOTTOM: a type whose one int sits at the
    // absolute address of got[0], and displacements i (in extents of it, 4 bytes apart).
    MPI_Aint base;
    MPI_Get_address(got.data(), &base);
    int one = 1;
    MPI_Datatype at_got, resized;
    MPI_Type_create_hindexed(1, &one, &base, MPI_INT, &at_got);
    MPI_Type_create_resized(at_got, 0, sizeof(int), &resized);  // extent: one int
    MPI_Type_commit(&resized);
    std::vector<int> ones(N, 1), idx(N);
    for (int i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
    ASSERT_EQ(MPI_SUCCESS, MPI_Allgatherv(&mine, 1, MPI_INT, MPI_BOTTOM, ones.data(), idx.data(),
                                          resized, MPI_COMM_WORLD));
    for (int i = 0; i < n; ++i) EXPECT_EQ(7 * i, got[static_cast<size_t>(i)]);
    // Alltoallw with byte displacements that are absolute addresses and plain MPI_INT.
    std::vector<int> out(N), in(N, -1);
    for (int i = 0; i < n; ++i) out[static_cast<size_t>(i)] = 100 * rank() + i;
    std::vector<int> sd(N), rd(N);
    std::vector<MPI_Datatype> ty(N, MPI_INT);
    bool fits = true;  // int displacements: only when the addresses fit (they do below 2 GiB)
    for (int i = 0; i < n; ++i) {
        MPI_Aint a, b;
        MPI_Get_address(&out[static_cast<size_t>(i)], &a);
        MPI_Get_address(&in[static_cast<size_t>(i)], &b);
        fits = fits && a <= 0x7fffffff && b <= 0x7fffffff;
        sd[static_cast<size_t>(i)] = static_cast<int>(a);
        rd[static_cast<size_t>(i)] = static_cast<int>(b);
    }
    if (efampi::test::all_true(fits)) {
        ASSERT_EQ(MPI_SUCCESS, MPI_Alltoallw(MPI_BOTTOM, ones.data(), sd.data(), ty.data(),
                                             MPI_BOTTOM, ones.data(), rd.data(), ty.data(),
                                             MPI_COMM_WORLD));
        for (int i = 0; i < n; ++i) EXPECT_EQ(100 * i + rank(), in[static_cast<size_t>(i)]);
    }
    // The _c form takes MPI_Aint displacements: absolute addresses always fit.
    std::vector<MPI_Count> onesc(N, 1);
    std::vector<MPI_Aint> sdc(N), rdc(N);
    std::fill(in.begin(), in.end(), -1);
    for (int i = 0; i < n; ++i) {
        MPI_Get_address(&out[static_cast<size_t>(i)], &sdc[static_cast<size_t>(i)]);
        MPI_Get_address(&in[static_cast<size_t>(i)], &rdc[static_cast<size_t>(i)]);
    }
    ASSERT_EQ(MPI_SUCCESS, MPI_Alltoallw_c(MPI_BOTTOM, onesc.data(), sdc.data(), ty.data(),
                                           MPI_BOTTOM, onesc.data(), rdc.data(), ty.data(),
                                           MPI_COMM_WORLD));
    for (int i = 0; i < n; ++i) EXPECT_EQ(100 * i + rank(), in[static_cast<size_t>(i)]);
    MPI_Type_free(&at_got);
    MPI_Type_free(&resized);

    // Bad input, on every rank alike: a NULL buffer whose blocks lie at address 0.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    std::vector<int> zero(N, 0);
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Allgatherv(&mine, 1, MPI_INT, nullptr, ones.data(),
                                                         zero.data(), MPI_INT, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_BUFFER,
              error_class(MPI_Alltoallw(out.data(), ones.data(), zero.data(), ty.data(), nullptr,
                                        ones.data(), zero.data(), ty.data(), MPI_COMM_WORLD)));
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

// Intercommunicator collectives (MPI 4.1 §6.2.2): in the root's group the root passes MPI_ROOT
// and the others MPI_PROC_NULL (they take no part in the data movement).
TEST(Collectives, IntercommRootAndProcNull) {
    if (size() < 2) GTEST_SKIP() << "needs two groups (2 ranks)";
    int colour = rank() % 2;
    MPI_Comm half, inter;
    MPI_Comm_split(MPI_COMM_WORLD, colour, rank(), &half);
    // Leaders: world rank 0 (evens) and 1 (odds).
    ASSERT_EQ(MPI_SUCCESS, MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, colour ? 0 : 1, 77, &inter));
    int local = -1;
    MPI_Comm_rank(half, &local);
    int v = colour == 0 ? (local == 0 ? 4242 : -5) : -1;
    int root = colour == 0 ? (local == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Bcast(&v, 1, MPI_INT, root, inter));
    if (colour == 1) EXPECT_EQ(4242, v);
    if (colour == 0 && local != 0) EXPECT_EQ(-5, v);  // untouched
    // Reduce to the even leader from the odd group.
    int mine = colour == 1 ? rank() : -100, sum = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce(&mine, &sum, 1, MPI_INT, MPI_SUM, root, inter));
    if (colour == 0 && local == 0) {
        int want = 0;
        for (int r = 1; r < size(); r += 2) want += r;
        EXPECT_EQ(want, sum);
    }
    MPI_Comm_free(&inter);
    MPI_Comm_free(&half);
}

// ---------------------------------------------------------------------------------------------
// Datatypes

TEST(Datatypes, FreedInAnyOrderAndZeroCounts) {
    MPI_Datatype a, b, c;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_contiguous(2, MPI_INT, &a));
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_vector(3, 1, 2, a, &b));
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_free(&a));  // b still holds a
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_dup(b, &c));
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_free(&b));
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_commit(&c));
    int sz = -1;
    MPI_Type_size(c, &sz);
    EXPECT_EQ(6 * static_cast<int>(sizeof(int)), sz);
    std::vector<int> out(10), in(10, -1);
    std::iota(out.begin(), out.end(), 0);
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(out.data(), 1, c, 0, 0, in.data(), 1, c, 0, 0,
                                        MPI_COMM_SELF, MPI_STATUS_IGNORE));
    for (int k : {0, 1, 4, 5, 8, 9}) EXPECT_EQ(k, in[static_cast<size_t>(k)]);
    for (int k : {2, 3, 6, 7}) EXPECT_EQ(-1, in[static_cast<size_t>(k)]);
    MPI_Type_free(&c);

    // Zero-count constructors make empty types that communicate nothing.
    MPI_Datatype z;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_contiguous(0, MPI_INT, &z));
    MPI_Type_commit(&z);
    MPI_Aint lb = -1, ext = -1;
    MPI_Type_size(z, &sz);
    MPI_Type_get_extent(z, &lb, &ext);
    EXPECT_EQ(0, sz);
    EXPECT_EQ(0, ext);
    MPI_Status st;
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(nullptr, 5, z, 0, 1, nullptr, 5, z, 0, 1, MPI_COMM_SELF, &st));
    int n = -1;
    MPI_Get_count(&st, z, &n);
    EXPECT_EQ(0, n);  // no data: 0 (the standard's rule for a size-0 type with 0 bytes)
    MPI_Type_free(&z);

    // Freeing a predefined type is an error, not a crash.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Datatype p = MPI_INT;
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Type_free(&p)));
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

TEST(Datatypes, GetCountUndefinedForPartialElements) {
    int out[3] = {1, 2, 3};
    MPI_Status st;
    char in[12];
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(out, 3, MPI_INT, 0, 2, in, 12, MPI_BYTE, 0, 2,
                                        MPI_COMM_SELF, &st));
    int n = -1;
    MPI_Get_count(&st, MPI_DOUBLE, &n);  // 12 bytes are 1.5 doubles
    EXPECT_EQ(MPI_UNDEFINED, n);
    MPI_Get_count(&st, MPI_SHORT, &n);
    EXPECT_EQ(6, n);
}

}  // namespace

// Runtime queries: init state, threads, versions, timers, processor name, predefined types.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tests/mpi/harness.hpp"

using efampi::test::rank;
using efampi::test::size;

TEST(Runtime, InitState) {
    int flag = 0;
    EXPECT_EQ(MPI_SUCCESS, MPI_Initialized(&flag));
    EXPECT_EQ(1, flag);
    EXPECT_EQ(MPI_SUCCESS, MPI_Finalized(&flag));
    EXPECT_EQ(0, flag);
    int provided = -1;
    EXPECT_EQ(MPI_SUCCESS, MPI_Query_thread(&provided));
    EXPECT_EQ(MPI_THREAD_SINGLE, provided);  // MPI_Init asks for SINGLE
    EXPECT_EQ(MPI_SUCCESS, MPI_Is_thread_main(&flag));
    EXPECT_EQ(1, flag);
}

TEST(Runtime, RankAndSize) {
    int r = -1, n = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    EXPECT_EQ(rank(), r);
    EXPECT_GE(n, 1);
    EXPECT_LT(r, n);
    MPI_Comm_rank(MPI_COMM_SELF, &r);
    MPI_Comm_size(MPI_COMM_SELF, &n);
    EXPECT_EQ(0, r);
    EXPECT_EQ(1, n);
    char name[MPI_MAX_OBJECT_NAME];
    int len = 0;
    MPI_Comm_get_name(MPI_COMM_WORLD, name, &len);
    EXPECT_STREQ("MPI_COMM_WORLD", name);
}

TEST(Runtime, Versions) {
    int v = 0, sv = -1;
    MPI_Get_version(&v, &sv);
    EXPECT_EQ(MPI_VERSION, v);
    EXPECT_EQ(MPI_SUBVERSION, sv);
    EXPECT_GE(v, 3);
    int amaj = 0, amin = -1;
    MPI_Abi_get_version(&amaj, &amin);
    EXPECT_EQ(1, amaj);
    EXPECT_EQ(0, amin);
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(lib, &len);
    EXPECT_EQ(static_cast<size_t>(len), std::strlen(lib));
    EXPECT_NE(nullptr, std::strstr(lib, "efampi"));
}

TEST(Runtime, Timers) {
    double t0 = MPI_Wtime();
    double t1 = MPI_Wtime();
    EXPECT_LE(t0, t1);
    EXPECT_GT(MPI_Wtick(), 0.0);
    EXPECT_LT(MPI_Wtick(), 1e-3);
}

TEST(Runtime, ProcessorName) {
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Get_processor_name(name, &len));
    EXPECT_GT(len, 0);
    EXPECT_EQ(static_cast<size_t>(len), std::strlen(name));
}

TEST(Runtime, PredefinedTypes) {
    struct Case {
        MPI_Datatype t;
        int size;
        const char* name;
    } cases[] = {{MPI_CHAR, 1, "MPI_CHAR"},       {MPI_INT, 4, "MPI_INT"},
                 {MPI_DOUBLE, 8, "MPI_DOUBLE"},   {MPI_LONG_LONG, 8, "MPI_LONG_LONG"},
                 {MPI_INT64_T, 8, "MPI_INT64_T"}, {MPI_C_DOUBLE_COMPLEX, 16, "MPI_C_DOUBLE_COMPLEX"},
                 {MPI_BYTE, 1, "MPI_BYTE"},       {MPI_2INT, 8, "MPI_2INT"},
                 {MPI_DOUBLE_INT, 12, "MPI_DOUBLE_INT"}};
    for (const Case& c : cases) {
        int sz = -1;
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_size(c.t, &sz));
        EXPECT_EQ(c.size, sz) << c.name;
        char name[MPI_MAX_OBJECT_NAME];
        int len = 0;
        MPI_Type_get_name(c.t, name, &len);
        EXPECT_STREQ(c.name, name);
    }
    MPI_Aint lb = -1, ext = -1;
    MPI_Type_get_extent(MPI_DOUBLE_INT, &lb, &ext);
    EXPECT_EQ(0, lb);
    EXPECT_EQ(16, ext);
    MPI_Count csz = 0;
    MPI_Type_size_c(MPI_LONG_DOUBLE, &csz);
    EXPECT_EQ(static_cast<MPI_Count>(sizeof(long double)), csz);
}

TEST(Runtime, GetCountUndefinedForPartialElements) {
    int right = (rank() + 1) % size(), left = (rank() - 1 + size()) % size();
    char out[6] = "hello", in[8];
    MPI_Status st;
    MPI_Sendrecv(out, 6, MPI_CHAR, right, 0, in, 8, MPI_CHAR, left, 0, MPI_COMM_WORLD, &st);
    int n = 0;
    MPI_Get_count(&st, MPI_INT, &n);
    EXPECT_EQ(MPI_UNDEFINED, n);
    MPI_Get_count(&st, MPI_CHAR, &n);
    EXPECT_EQ(6, n);
    MPI_Count nc = 0;
    MPI_Get_count_c(&st, MPI_SHORT, &nc);
    EXPECT_EQ(3, nc);
}

TEST(Runtime, AllocMem) {
    void* p = nullptr;
    ASSERT_EQ(MPI_SUCCESS, MPI_Alloc_mem(1 << 20, MPI_INFO_NULL, &p));
    ASSERT_NE(nullptr, p);
    std::memset(p, 1, 1 << 20);
    EXPECT_EQ(MPI_SUCCESS, MPI_Free_mem(p));
}

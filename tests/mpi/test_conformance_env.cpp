// Conformance, environment and interfaces around it: the tool information interface (MPI 4.1
// chapter 15: complete with nothing to expose yet), the C <-> Fortran handle conversions
// (chapter 19.3.4), and the MPI-1 names removed in MPI 3.0 that mpi.h still declares
// (include/mpi_legacy.h). The calls before MPI_Init / after MPI_Finalize are checked by the
// program test program-anytime (tests/programs/misbehave.c). Bodies work at any size.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/mpi/harness.hpp"

using efampi::test::error_class;
using efampi::test::rank;
using efampi::test::size;

namespace {

// ---------------------------------------------------------------------------------------------
// MPI_T

TEST(Tool, InitNestsAndEveryQueryAnswers) {
    int provided = -1, n = -1;
    EXPECT_EQ(MPI_T_ERR_NOT_INITIALIZED, MPI_T_cvar_get_num(&n));
    EXPECT_EQ(MPI_T_ERR_NOT_INITIALIZED, MPI_T_finalize());
    ASSERT_EQ(MPI_SUCCESS, MPI_T_init_thread(MPI_THREAD_SINGLE, &provided));
    EXPECT_EQ(MPI_THREAD_SINGLE, provided);
    ASSERT_EQ(MPI_SUCCESS, MPI_T_init_thread(MPI_THREAD_MULTIPLE, &provided));  // nested
    EXPECT_LE(provided, MPI_THREAD_MULTIPLE);
    for (auto* get : {MPI_T_cvar_get_num, MPI_T_pvar_get_num, MPI_T_category_get_num,
                      MPI_T_event_get_num, MPI_T_source_get_num}) {
        n = -1;
        EXPECT_EQ(MPI_SUCCESS, get(&n));
        EXPECT_EQ(0, n);
    }
    char name[64];
    int len = sizeof name, idx = -1;
    EXPECT_EQ(MPI_T_ERR_INVALID_INDEX,
              MPI_T_cvar_get_info(0, name, &len, nullptr, nullptr, nullptr, nullptr, nullptr,
                                  nullptr, nullptr));
    EXPECT_EQ(MPI_T_ERR_INVALID_NAME, MPI_T_cvar_get_index("no_such_variable", &idx));
    EXPECT_EQ(MPI_T_ERR_INVALID_NAME, MPI_T_pvar_get_index("x", MPI_T_PVAR_CLASS_STATE, &idx));
    EXPECT_EQ(MPI_T_ERR_INVALID_INDEX,
              MPI_T_category_get_info(0, name, &len, nullptr, nullptr, nullptr, nullptr, nullptr));
    EXPECT_EQ(MPI_T_ERR_INVALID_HANDLE, MPI_T_cvar_read(MPI_T_CVAR_HANDLE_NULL, name));
    EXPECT_EQ(MPI_T_ERR_INVALID, MPI_T_cvar_get_num(nullptr));

    // Sessions are objects: made, used with MPI_T_PVAR_ALL_HANDLES, freed; a freed one is
    // invalid.
    MPI_T_pvar_session s = MPI_T_PVAR_SESSION_NULL;
    ASSERT_EQ(MPI_SUCCESS, MPI_T_pvar_session_create(&s));
    EXPECT_NE(MPI_T_PVAR_SESSION_NULL, s);
    EXPECT_EQ(MPI_SUCCESS, MPI_T_pvar_start(s, MPI_T_PVAR_ALL_HANDLES));
    EXPECT_EQ(MPI_SUCCESS, MPI_T_pvar_stop(s, MPI_T_PVAR_ALL_HANDLES));
    MPI_T_pvar_handle h;
    int count = 0;
    EXPECT_EQ(MPI_T_ERR_INVALID_INDEX, MPI_T_pvar_handle_alloc(s, 0, nullptr, &h, &count));
    MPI_T_pvar_session stale = s;
    ASSERT_EQ(MPI_SUCCESS, MPI_T_pvar_session_free(&s));
    EXPECT_EQ(MPI_T_PVAR_SESSION_NULL, s);
    EXPECT_EQ(MPI_T_ERR_INVALID_SESSION, MPI_T_pvar_start(stale, MPI_T_PVAR_ALL_HANDLES));

    EXPECT_EQ(MPI_SUCCESS, MPI_T_finalize());
    EXPECT_EQ(MPI_SUCCESS, MPI_T_cvar_get_num(&n));  // still once initialized
    EXPECT_EQ(MPI_SUCCESS, MPI_T_finalize());
    EXPECT_EQ(MPI_T_ERR_NOT_INITIALIZED, MPI_T_cvar_get_num(&n));
}

// ---------------------------------------------------------------------------------------------
// C <-> Fortran handles

TEST(Fortran, HandlesRoundTrip) {
    EXPECT_EQ(MPI_COMM_WORLD, MPI_Comm_f2c(MPI_Comm_c2f(MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_INT, MPI_Type_f2c(MPI_Type_c2f(MPI_INT)));
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Fint f = MPI_Comm_c2f(dup);
    EXPECT_GT(f, 0x1000);  // an object, not a predefined value
    EXPECT_EQ(f, MPI_Comm_c2f(dup));  // stable
    EXPECT_EQ(dup, MPI_Comm_f2c(f));
    int x = rank(), y = -1;
    EXPECT_EQ(MPI_SUCCESS, MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_MAX, MPI_Comm_f2c(f)));
    EXPECT_EQ(size() - 1, y);
    MPI_Comm_free(&dup);
    MPI_Datatype t;
    MPI_Type_contiguous(3, MPI_INT, &t);
    EXPECT_EQ(t, MPI_Type_f2c(MPI_Type_c2f(t)));
    MPI_Type_free(&t);
    EXPECT_EQ(MPI_COMM_NULL, MPI_Comm_f2c(0x7fffffff));  // names nothing
    EXPECT_EQ(MPI_DATATYPE_NULL, MPI_Type_f2c(-5));

    MPI_Status st, back;
    std::memset(&st, 0, sizeof st);
    st.MPI_SOURCE = 3;
    st.MPI_TAG = 4;
    st.MPI_ERROR = 5;
    MPI_Fint fs[MPI_F_STATUS_SIZE];
    ASSERT_EQ(MPI_SUCCESS, MPI_Status_c2f(&st, fs));
    EXPECT_EQ(3, fs[MPI_F_SOURCE]);
    EXPECT_EQ(4, fs[MPI_F_TAG]);
    EXPECT_EQ(5, fs[MPI_F_ERROR]);
    ASSERT_EQ(MPI_SUCCESS, MPI_Status_f2c(fs, &back));
    EXPECT_EQ(0, std::memcmp(&st, &back, sizeof st));
}

// ---------------------------------------------------------------------------------------------
// The removed MPI-1 names, as compiled by default.

TEST(Legacy, BoundMarkersAndQueries) {
    // MPI_UB before the data's aligned end: the extent is the marker's (5), not 8.
    int bl[4] = {1, 1, 1, 1};
    MPI_Aint d[4] = {0, 4, 5, 2};
    MPI_Datatype ty[4] = {MPI_INT, MPI_CHAR, MPI_UB, MPI_LB};
    MPI_Datatype t;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_struct(3, bl, d, ty, &t));
    MPI_Aint ext = -1, lb = -1, ub = -1;
    MPI_Type_extent(t, &ext);
    MPI_Type_lb(t, &lb);
    MPI_Type_ub(t, &ub);
    EXPECT_EQ(5, ext);
    EXPECT_EQ(0, lb);
    EXPECT_EQ(5, ub);
    MPI_Type_commit(&t);
    // Two elements travel 5 bytes apart, the marker-defined stride.
    char out[10] = {}, in[10];
    std::memset(in, 'z', sizeof in);
    for (int k = 0; k < 2; ++k) {
        int v = 100 + k;
        std::memcpy(out + 5 * k, &v, sizeof v);
        out[5 * k + 4] = static_cast<char>('a' + k);
    }
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(out, 2, t, 0, 0, in, 2, t, 0, 0, MPI_COMM_SELF,
                                        MPI_STATUS_IGNORE));
    EXPECT_EQ(0, std::memcmp(out, in, sizeof out));
    MPI_Type_free(&t);
    // With an MPI_LB too: bounds [2, 5).
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_struct(4, bl, d, ty, &t));
    MPI_Type_lb(t, &lb);
    MPI_Type_extent(t, &ext);
    EXPECT_EQ(2, lb);
    EXPECT_EQ(3, ext);
    MPI_Type_free(&t);
    // The markers alone are empty types.
    int sz = -1;
    MPI_Type_size(MPI_LB, &sz);
    EXPECT_EQ(0, sz);
    MPI_Aint addr = 0;
    int var = 0;
    EXPECT_EQ(MPI_SUCCESS, MPI_Address(&var, &addr));
    EXPECT_EQ(reinterpret_cast<MPI_Aint>(&var), addr);
}

}  // namespace

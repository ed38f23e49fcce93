// Bad input answered by a clear MPI error through the error handler; with MPI_ERRORS_RETURN
// the call returns the class and the process keeps working.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tests/mpi/harness.hpp"

using efampi::test::error_class;
using efampi::test::error_text;
using efampi::test::rank;
using efampi::test::size;

namespace {

class Errors : public ::testing::Test {
protected:
    void SetUp() override {
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    }
    void TearDown() override {
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
        // Still working after the errors.
        int x = rank(), y = -1;
        int right = (rank() + 1) % size(), left = (rank() - 1 + size()) % size();
        ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(&x, 1, MPI_INT, right, 0, &y, 1, MPI_INT, left, 0,
                                            MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        EXPECT_EQ(left, y);
    }
    int buf[4] = {0, 0, 0, 0};
};

TEST_F(Errors, RankOutOfRange) {
    int rc = MPI_Send(buf, 1, MPI_INT, size(), 0, MPI_COMM_WORLD);
    EXPECT_EQ(MPI_ERR_RANK, error_class(rc));
    EXPECT_NE(std::string::npos, error_text(rc).find("out of range")) << error_text(rc);
    EXPECT_NE(std::string::npos, error_text(rc).find("MPI_Send")) << error_text(rc);
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Recv(buf, 1, MPI_INT, -7, 0, MPI_COMM_WORLD,
                                                 MPI_STATUS_IGNORE)));
    MPI_Request r;
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Isend(buf, 1, MPI_INT, -1, 0, MPI_COMM_WORLD, &r)));
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Send(buf, 1, MPI_INT, 1, 0, MPI_COMM_SELF)));
}

TEST_F(Errors, BadTag) {
    EXPECT_EQ(MPI_ERR_TAG, error_class(MPI_Send(buf, 1, MPI_INT, rank(), -5, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_TAG,
              error_class(MPI_Send(buf, 1, MPI_INT, rank(), MPI_ANY_TAG, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_TAG, error_class(MPI_Recv(buf, 1, MPI_INT, rank(), -100, MPI_COMM_WORLD,
                                                MPI_STATUS_IGNORE)));
}

TEST_F(Errors, NegativeCount) {
    EXPECT_EQ(MPI_ERR_COUNT, error_class(MPI_Send(buf, -1, MPI_INT, rank(), 0, MPI_COMM_WORLD)));
    MPI_Request r;
    EXPECT_EQ(MPI_ERR_COUNT,
              error_class(MPI_Irecv(buf, -3, MPI_INT, rank(), 0, MPI_COMM_WORLD, &r)));
}

TEST_F(Errors, LargeCountOverflow) {
    // 2^61 doubles are 2^64 bytes: a clear error, not a silent wrap to 0 bytes.
    MPI_Count huge = static_cast<MPI_Count>(1) << 61;
    EXPECT_EQ(MPI_ERR_COUNT,
              error_class(MPI_Send_c(buf, huge, MPI_DOUBLE, rank(), 0, MPI_COMM_WORLD)));
}

TEST_F(Errors, NullBufferWithData) {
    EXPECT_EQ(MPI_ERR_BUFFER,
              error_class(MPI_Send(nullptr, 2, MPI_INT, rank(), 0, MPI_COMM_WORLD)));
}

TEST_F(Errors, NullOrForeignCommunicator) {
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Send(buf, 1, MPI_INT, 0, 0, MPI_COMM_NULL)));
    int r = -1;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_rank(MPI_COMM_NULL, &r)));
    EXPECT_EQ(MPI_ERR_COMM,
              error_class(MPI_Comm_size(reinterpret_cast<MPI_Comm>(MPI_INT), &r)));
    // A handle that is no object of ours at all (an address of a plain int).
    alignas(64) static int not_a_comm[32] = {};
    EXPECT_EQ(MPI_ERR_COMM,
              error_class(MPI_Comm_size(reinterpret_cast<MPI_Comm>(not_a_comm), &r)));
}

TEST_F(Errors, WrongDatatypeHandle) {
    EXPECT_EQ(MPI_ERR_TYPE,
              error_class(MPI_Send(buf, 1, MPI_DATATYPE_NULL, rank(), 0, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Send(buf, 1, reinterpret_cast<MPI_Datatype>(
                                                              MPI_COMM_WORLD),
                                                 rank(), 0, MPI_COMM_WORLD)));
    int sz = 0;
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Type_size(MPI_DATATYPE_NULL, &sz)));
}

TEST_F(Errors, StaleRequest) {
    MPI_Request r;
    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(buf, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &r));
    MPI_Request copy = r;
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
    EXPECT_EQ(MPI_ERR_REQUEST, error_class(MPI_Wait(&copy, MPI_STATUS_IGNORE)));
    MPI_Request null = MPI_REQUEST_NULL;
    MPI_Status st;
    EXPECT_EQ(MPI_SUCCESS, MPI_Wait(&null, &st));
    EXPECT_EQ(MPI_ANY_SOURCE, st.MPI_SOURCE);  // the empty status
}

TEST_F(Errors, UnsupportedFunctionNamesItself) {
    int rc = MPI_Comm_spawn("x", MPI_ARGV_NULL, 1, MPI_INFO_NULL, 0, MPI_COMM_WORLD, nullptr,
                            MPI_ERRCODES_IGNORE);
    EXPECT_EQ(MPI_ERR_UNSUPPORTED_OPERATION, error_class(rc));
    EXPECT_NE(std::string::npos, error_text(rc).find("MPI_Comm_spawn")) << error_text(rc);
}

int g_calls = 0;
int g_code = 0;
MPI_Comm g_comm = MPI_COMM_NULL;
void count_errors(MPI_Comm* comm, int* code, ...) {
    ++g_calls;
    g_code = *code;
    g_comm = *comm;
}

TEST_F(Errors, UserHandlerIsCalledWithCommAndCode) {
    MPI_Errhandler eh;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_create_errhandler(count_errors, &eh));
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh));
    ASSERT_EQ(MPI_SUCCESS, MPI_Errhandler_free(&eh));  // the communicator keeps it alive
    EXPECT_EQ(MPI_ERRHANDLER_NULL, eh);
    g_calls = 0;
    int rc = MPI_Send(buf, 1, MPI_INT, -9, 0, MPI_COMM_WORLD);
    EXPECT_EQ(1, g_calls);
    EXPECT_EQ(MPI_ERR_RANK, error_class(g_code));
    EXPECT_EQ(MPI_ERR_RANK, error_class(rc));
    EXPECT_EQ(MPI_COMM_WORLD, g_comm);
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_call_errhandler(MPI_COMM_WORLD, MPI_ERR_OTHER));
    EXPECT_EQ(2, g_calls);
    EXPECT_EQ(MPI_ERR_OTHER, g_code);
    MPI_Errhandler got;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_get_errhandler(MPI_COMM_WORLD, &got));
    EXPECT_NE(MPI_ERRORS_RETURN, got);
    MPI_Errhandler_free(&got);
}

TEST_F(Errors, ErrorStringsAndClasses) {
    for (int cls : {MPI_SUCCESS, MPI_ERR_BUFFER, MPI_ERR_TRUNCATE, MPI_ERR_UNSUPPORTED_OPERATION,
                    MPI_ERR_ERRHANDLER}) {
        char s[MPI_MAX_ERROR_STRING];
        int len = -1;
        ASSERT_EQ(MPI_SUCCESS, MPI_Error_string(cls, s, &len));
        EXPECT_GT(len, 0);
        EXPECT_EQ(static_cast<size_t>(len), std::strlen(s));
        int c = -1;
        ASSERT_EQ(MPI_SUCCESS, MPI_Error_class(cls, &c));
        EXPECT_EQ(cls, c);
    }
    int c = 0;
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Error_class(-4, &c)));
}

}  // namespace

#include "tests/mpi/harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace efampi::test {

namespace {
int g_rank = 0;
int g_size = 1;
constexpr int agree_tag = 0x7ffffff0;

void on_alarm(int) {
    char msg[128];
    int n = std::snprintf(msg, sizeof msg,
                          "watchdog: rank %d still running after the test timeout: a hang\n",
                          g_rank);
    if (write(2, msg, static_cast<size_t>(n)) < 0) {}
    _exit(124);
}

// On ranks other than 0: print only failures, each prefixed with the rank.
class FailurePrinter : public ::testing::EmptyTestEventListener {
    void OnTestPartResult(const ::testing::TestPartResult& r) override {
        if (r.failed())
            std::fprintf(stderr, "[rank %d] %s:%d: %s\n", g_rank,
                         r.file_name() ? r.file_name() : "?", r.line_number(), r.summary());
    }
    void OnTestEnd(const ::testing::TestInfo& t) override {
        if (t.result()->Failed())
            std::fprintf(stderr, "[rank %d] FAILED %s.%s\n", g_rank, t.test_suite_name(),
                         t.name());
    }
};
}  // namespace

int rank() { return g_rank; }
int size() { return g_size; }

int error_class(int rc) {
    int cls = -1;
    MPI_Error_class(rc, &cls);
    return cls;
}

std::string error_text(int rc) {
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, s, &len);
    return std::string(s, static_cast<size_t>(len));
}

ReturnErrors::ReturnErrors() {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
}

ReturnErrors::~ReturnErrors() {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

bool all_true(bool ok) {
    int v = ok ? 1 : 0;
    if (g_rank == 0) {
        for (int i = 1; i < g_size; ++i) {
            int x = 0;
            MPI_Recv(&x, 1, MPI_INT, i, agree_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            v &= x;
        }
        for (int i = 1; i < g_size; ++i) MPI_Send(&v, 1, MPI_INT, i, agree_tag, MPI_COMM_WORLD);
    } else {
        MPI_Send(&v, 1, MPI_INT, 0, agree_tag, MPI_COMM_WORLD);
        MPI_Recv(&v, 1, MPI_INT, 0, agree_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    return v != 0;
}

}  // namespace efampi::test

int main(int argc, char** argv) {
    using namespace efampi::test;
    const char* t = std::getenv("EFAMPI_TEST_TIMEOUT");
    unsigned secs = t ? static_cast<unsigned>(std::atoi(t)) : 120;
    signal(SIGALRM, on_alarm);
    alarm(secs);

    ::testing::InitGoogleTest(&argc, argv);
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    if (g_rank != 0) {
        auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
        delete listeners.Release(listeners.default_result_printer());
        listeners.Append(new FailurePrinter);
    }
    int rc = RUN_ALL_TESTS();
    bool ok = all_true(rc == 0);
    MPI_Finalize();
    if (g_rank == 0 && ok)
        std::printf("all ranks passed (%d rank%s)\n", g_size, g_size == 1 ? "" : "s");
    return ok ? 0 : 1;
}

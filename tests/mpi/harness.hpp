#pragma once
// The multi-rank test harness: every test binary in tests/mpi links harness.cpp, which owns
// main(): MPI_Init/MPI_Finalize around RUN_ALL_TESTS, a watchdog that turns a hang into a
// failure (EFAMPI_TEST_TIMEOUT seconds, default 120), quiet output on ranks other than 0
// (failures are still printed, prefixed with the rank), and an exit status agreed by all ranks.
// Tests must work at any size: use peer = (rank + 1) % size and friends.
#include <mpi.h>

#include <string>

namespace efampi::test {

int rank();
int size();
// True on every rank iff `ok` is true on every rank (point-to-point only, on a private tag).
bool all_true(bool ok);

// The error class of a return code (MPI_Error_class), and its text (MPI_Error_string).
int error_class(int rc);
std::string error_text(int rc);

// For the life of the object, errors on MPI_COMM_WORLD and MPI_COMM_SELF are returned
// (MPI_ERRORS_RETURN) instead of aborting; the fatal handler comes back at the end.
struct ReturnErrors {
    ReturnErrors();
    ~ReturnErrors();
    ReturnErrors(const ReturnErrors&) = delete;
    ReturnErrors& operator=(const ReturnErrors&) = delete;
};

}  // namespace efampi::test

#pragma once
// The multi-rank test harness: every test binary in tests/mpi links harness.cpp, which owns
// main(): MPI_Init/MPI_Finalize around RUN_ALL_TESTS, a watchdog that turns a hang into a
// failure (EFAMPI_TEST_TIMEOUT seconds, default 120), quiet output on ranks other than 0
// (failures are still printed, prefixed with the rank), and an exit status agreed by all ranks.
// Tests must work at any size: use peer = (rank + 1) % size and friends.
#include <mpi.h>

namespace efampi::test {

int rank();
int size();
// True on every rank iff `ok` is true on every rank (point-to-point only, on a private tag).
bool all_true(bool ok);

}  // namespace efampi::test

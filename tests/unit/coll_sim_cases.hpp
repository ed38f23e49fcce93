#pragma once
// One collective checked in the simulation (coll_sim.hpp): each function gives every simulated
// rank its own buffers (with guard bytes) and inputs, builds the schedules with the algorithm
// named, runs them, and compares every rank's output with a serial reference computed here. It
// also checks that inputs are unchanged, nothing was written outside a buffer, and ranks whose
// buffers the standard calls not significant get null ones. A failure is reported through
// ADD_FAILURE with the collective, algorithm, size, count, root and rank; the function then
// returns false.
//
// Reductions run with one of two operations on int64 words: `sum` (commutative) and `matmul`,
// the product of 2x2 matrices mod 1000003 (extent 32 bytes: associative, not commutative, so
// any change of rank order shows in the result).
#include <cstdint>
#include <vector>

#include "collectives/algorithms.hpp"
#include "collectives/select.hpp"
#include "tests/unit/coll_sim.hpp"

namespace efampi::coll::sim {

enum class OpKind : uint8_t { sum, matmul };
Reduction reduction(OpKind k);
const char* name(OpKind k);
const char* name(BcastAlg a);
const char* name(ReduceAlg a);
const char* name(AllreduceAlg a);
const char* name(AllgatherAlg a);
const char* name(AlltoallAlg a);

struct Case {
    Model model = Model::eager;
    int p = 1;
    Outcome* out = nullptr;  // if set, receives the run's counts
    // If set, the schedules to build into (resized to p), as the runtime reuses its blocking
    // schedule; else fresh ones, whose scratch blocks are exactly what the build asked for.
    std::vector<Schedule>* pool = nullptr;
};

bool check_barrier(const Case& c);
bool check_bcast(const Case& c, BcastAlg alg, uint64_t bytes, int root);
bool check_reduce(const Case& c, ReduceAlg alg, OpKind op, uint64_t count, int root, bool in_place);
bool check_allreduce(const Case& c, AllreduceAlg alg, OpKind op, uint64_t count, bool in_place);
bool check_scan(const Case& c, OpKind op, uint64_t count, bool exclusive, bool in_place);
// counts[r]: elements rank r gets.
bool check_reduce_scatter(const Case& c, OpKind op, const std::vector<uint64_t>& counts,
                          bool in_place);
bool check_allgather(const Case& c, AllgatherAlg alg, uint64_t bytes, bool in_place);
// bytes[r]: rank r's block; `reversed` lays the blocks out in descending rank order.
bool check_allgatherv(const Case& c, const std::vector<uint64_t>& bytes, bool reversed,
                      bool in_place);
bool check_alltoall(const Case& c, AlltoallAlg alg, uint64_t bytes, bool in_place);
// bytes[src * p + dst]: what src sends dst (symmetric for in_place, as the standard requires).
bool check_alltoallv(const Case& c, const std::vector<uint64_t>& bytes, bool in_place);
bool check_gather(const Case& c, uint64_t bytes, int root, bool in_place);
bool check_scatter(const Case& c, uint64_t bytes, int root, bool in_place);
bool check_gatherv(const Case& c, const std::vector<uint64_t>& bytes, int root, bool in_place);
bool check_scatterv(const Case& c, const std::vector<uint64_t>& bytes, int root, bool in_place);

// Failures reported since the last reset (tests stop a sweep after a few).
int failures();
void reset_failures();

}  // namespace efampi::coll::sim

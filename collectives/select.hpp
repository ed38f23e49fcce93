#pragma once
// Algorithm selection: a cost model with a latency term (alpha per round, three times that
// when the round's messages exceed the eager limit: rts, read, fin), a per-message overhead,
// a bandwidth term (beta per byte on the wire) and a reduction term (gamma per byte
// combined), evaluated per algorithm for the communicator size and message size; alpha is
// EFAMPI_COLL_ALPHA_OVERSUB_NS when the host has more ranks than cores. The
// cheapest applicable one wins. EFAMPI_COLL_<NAME>=<algorithm> forces a choice (when it
// applies: e.g. recursive doubling allgather needs a power-of-two size, ring allreduce a
// commutative op). `efampi_info` lists the variables, their choices and the model's
// parameters (EFAMPI_COLL_ALPHA_NS, EFAMPI_COLL_MSG_NS, EFAMPI_COLL_BW_MBS,
// EFAMPI_COLL_REDUCE_MBS).
#include <cstdint>

#include "collectives/algorithms.hpp"

namespace efampi::coll {

BcastAlg select_bcast(int p, uint64_t bytes);
ReduceAlg select_reduce(int p, uint64_t bytes, bool commutative);
AllreduceAlg select_allreduce(int p, uint64_t bytes, bool commutative);
AllgatherAlg select_allgather(int p, uint64_t block_bytes);
AlltoallAlg select_alltoall(int p, uint64_t block_bytes);

// The model's estimate in microseconds, for tests and the docs.
double cost_allreduce(AllreduceAlg a, int p, uint64_t bytes);

// Reads the tunables again (tests change the environment).
void reload_selection();

}  // namespace efampi::coll

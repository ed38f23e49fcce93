#pragma once
#include <cstddef>

#include "collectives/comm_view.hpp"

namespace efampi::coll {

// Ring allgather of `bytes` bytes per rank: `all` receives rank r's block at r * bytes (this
// rank's own block is copied from `mine`). p - 1 steps; in step s rank r passes block r - s to
// r + 1 and gets block r - s - 1 from r - 1. The runtime's communicator management uses it
// (split colours, context-id masks); MPI_Allgather proper comes with issue 6's engine.
// Returns 0 or an MPI error class.
// `tag` (inside the collective context): callers over a subset of a communicator
// (MPI_Comm_create_group) pass their own, so that they never meet the whole communicator's.
constexpr int allgather_tag = 2;
int allgather_bytes(const CommView& c, const void* mine, size_t bytes, void* all,
                    int tag = allgather_tag);

}  // namespace efampi::coll

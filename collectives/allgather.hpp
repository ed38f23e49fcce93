#pragma once
#include <cstddef>

#include "collectives/comm_view.hpp"

namespace efampi::coll {

// Ring allgather of `bytes` bytes per rank: `all` receives rank r's block at r * bytes (this
// rank's own block is copied from `mine`). p - 1 steps; in step s rank r passes block r - s to
// r + 1 and gets block r - s - 1 from r - 1. The runtime's communicator management uses it
// (split colours, context-id masks); MPI_Allgather proper comes with issue 6's engine.
// Returns 0 or an MPI error class.
int allgather_bytes(const CommView& c, const void* mine, size_t bytes, void* all);

}  // namespace efampi::coll

#pragma once
#include <cstddef>

#include "collectives/comm_view.hpp"

namespace efampi::coll {

// Ring allgather of `bytes` bytes per rank: `all` receives rank r's block at r * bytes (this
// rank's own block is copied from `mine`). p - 1 steps; in step s rank r passes block r - s to
// r + 1 and gets block r - s - 1 from r - 1, with blocking pml calls. MPI_Allgather itself is a
// schedule (algorithms.hpp, build_allgather); this direct loop serves the runtime's
// communicator management (split colours and keys, context-id masks), a few bytes per rank
// agreed on the spot. Returns 0 or an MPI error class.
// `tag` (inside the collective context): callers over a subset of a communicator
// (MPI_Comm_create_group) pass their own, so that they never meet the whole communicator's.
constexpr int allgather_tag = 2;
int allgather_bytes(const CommView& c, const void* mine, size_t bytes, void* all,
                    int tag = allgather_tag);

}  // namespace efampi::coll

#pragma once
#include "collectives/comm_view.hpp"

namespace efampi::coll {

// Dissemination barrier: ceil(log2 p) rounds; in round k rank r sends to r + 2^k and receives
// from r - 2^k (mod p). Returns 0 or an MPI error class.
int barrier(const CommView& c);

}  // namespace efampi::coll

#pragma once
// The pieces of the cost model the algorithm tables share (private to collectives/; the model
// itself is select.hpp's CostModel). Costs are in microseconds.
#include <cstdint>

#include "collectives/algo_util.hpp"
#include "collectives/select.hpp"

namespace efampi::coll::cost {

inline double lg(int p) { return detail::ceil_log2(p); }
inline bool pow2(int p) { return (p & (p - 1)) == 0; }

// One round whose messages are `bytes` each: a latency, plus two more trips (rts, fin) when
// they go by rendezvous; the posting overhead.
inline double round_cost(const CostModel& m, double bytes) {
    double trips = bytes > static_cast<double>(m.eager) ? 3.0 : 1.0;
    return trips * m.alpha + m.msg;
}

// Ring and Rabenseifner cut the vector into a chunk per rank and reorder the operands.
inline bool chunked(const Query& q) {
    return q.commutative && q.count >= static_cast<uint64_t>(q.p);
}

}  // namespace efampi::coll::cost

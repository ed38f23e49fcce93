// Barrier by dissemination: in round k rank r sends an empty message to r + 2^k and waits for
// one from r - 2^k; after ceil(log2 p) rounds every rank has heard, directly or not, from all.
#include "collectives/algorithms.hpp"

namespace efampi::coll {

void build_barrier(Schedule& s) {
    const CommView& c = s.view();
    for (int dist = 1; dist < c.size; dist <<= 1) {
        s.send((c.rank + dist) % c.size, nullptr, 0);
        s.recv((c.rank - dist + c.size) % c.size, nullptr, 0);
        s.end_round();
    }
}

}  // namespace efampi::coll

// Neighbourhood collectives: one round, every receive and send posted at once, in the order
// given (the runtime orders them so that two messages between the same pair of ranks match
// the right blocks: see runtime/api/coll_neighbor.cpp).
#include "collectives/algorithms.hpp"

namespace efampi::coll {

void build_neighbor(Schedule& s, const Transfer* recvs, size_t nr, const Transfer* sends,
                    size_t ns) {
    for (size_t i = 0; i < nr; ++i)
        s.recv(recvs[i].peer, const_cast<void*>(recvs[i].buf), recvs[i].bytes);
    for (size_t i = 0; i < ns; ++i) s.send(sends[i].peer, sends[i].buf, sends[i].bytes);
    s.end_round();
}

}  // namespace efampi::coll

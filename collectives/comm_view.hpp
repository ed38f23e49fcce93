#pragma once
// What a collective algorithm needs of a communicator: its collective context id (never the
// point-to-point one, so collective traffic cannot match user receives), this process's rank,
// the size, and the translation of communicator ranks to job ranks for the pml (and, for an
// intercommunicator, of the remote group's ranks).
#include <cstdint>

namespace efampi::coll {

struct CommView {
    uint32_t ctx;        // collective context id of the communicator
    int rank;
    int size;
    const int* world;    // comm rank -> job rank; null means the identity
    // Intercommunicators: the remote group (its job ranks by remote rank); rank, size and world
    // are the local group's.
    const int* remote = nullptr;
    int remote_size = 0;
    int to_world(int r) const { return world ? world[r] : r; }
};

}  // namespace efampi::coll

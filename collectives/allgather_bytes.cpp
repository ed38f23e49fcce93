// allgather_bytes (allgather.hpp): the blocking ring of the runtime's communicator management.
// In a file of its own because it is the only part of the allgather that calls the pml: the
// algorithm tables' files build schedules only, so efampi_info links them without a transport.
#include "collectives/allgather.hpp"

#include <cstdint>
#include <cstring>

#include "pml/engine.hpp"
#include "base/copy.hpp"

namespace efampi::coll {

int allgather_bytes(const CommView& c, const void* mine, size_t bytes, void* all, int tag) {
    auto* out = static_cast<uint8_t*>(all);
    auto block = [&](int r) { return out + static_cast<size_t>(r) * bytes; };
    if (bytes) move_bytes(block(c.rank), mine, bytes);
    pml::Engine& e = pml::engine();
    int right = (c.rank + 1) % c.size, left = (c.rank - 1 + c.size) % c.size;
    int err = 0;
    for (int s = 0; s < c.size - 1; ++s) {
        int send_block = (c.rank - s + c.size) % c.size;
        int recv_block = (c.rank - s - 1 + c.size) % c.size;
        pml::Request* r = e.irecv(block(recv_block), bytes, left, tag, c.ctx);
        int serr = e.send(block(send_block), bytes, c.to_world(right), c.rank, tag,
                          c.ctx, false);
        e.wait(r);
        if (!err) err = serr ? serr : r->err;
        e.release(r);
    }
    return err;
}

}  // namespace efampi::coll

#include "collectives/barrier.hpp"

#include "pml/engine.hpp"

namespace efampi::coll {

namespace {
constexpr int barrier_tag = 1;  // tags inside a collective context are ours to choose
}

int barrier(const CommView& c) {
    pml::Engine& e = pml::engine();
    int err = 0;
    for (int dist = 1; dist < c.size; dist <<= 1) {
        int to = (c.rank + dist) % c.size;
        int from = (c.rank - dist + c.size) % c.size;
        char token = 0, sink = 0;
        pml::Request* r = e.irecv(&sink, 1, from, barrier_tag, c.ctx);
        int serr = e.send(&token, 1, c.to_world(to), c.rank, barrier_tag, c.ctx, false);
        e.wait(r);
        if (!err) err = serr ? serr : r->err;
        e.release(r);
    }
    return err;
}

}  // namespace efampi::coll

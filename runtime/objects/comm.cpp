#include "runtime/objects/comm.hpp"

namespace efampi::rt {

Comm g_world;
Comm g_self;

Comm* to_comm_slow(MPI_Comm h) {
    uintptr_t v = handle_value(h);
    if (v <= predefined_limit) {
        if (h == MPI_COMM_WORLD) return &g_world;
        if (h == MPI_COMM_SELF) return &g_self;
        return nullptr;
    }
    if (v % alignof(Comm) != 0) return nullptr;
    auto* c = reinterpret_cast<Comm*>(v);
    return c->magic == Magic::comm ? c : nullptr;
}

void comms_init(int rank, int size) {
    g_world.ctx = 0;
    g_world.rank = rank;
    g_world.size = size;
    g_world.world.clear();
    g_world.name = "MPI_COMM_WORLD";
    g_world.handle = MPI_COMM_WORLD;
    g_world.errh = errhandler_fatal();

    g_self.ctx = 2;
    g_self.rank = 0;
    g_self.size = 1;
    g_self.world.assign(1, rank);
    g_self.name = "MPI_COMM_SELF";
    g_self.handle = MPI_COMM_SELF;
    g_self.errh = errhandler_fatal();
}

void comms_flush_buffered() {
    for (Comm* c : {&g_world, &g_self})
        if (c->bsend && c->bsend->attached()) c->bsend->flush();
    if (process_bsend_buffer().attached()) process_bsend_buffer().flush();
}

void comms_finalize() {
    for (Comm* c : {&g_world, &g_self}) {
        c->bsend.reset();
        if (c->errh) errhandler_release(c->errh);
        c->errh = errhandler_fatal();
    }
    errhandlers_finalize();
}

}  // namespace efampi::rt

#include "runtime/objects/comm.hpp"

#include <algorithm>
#include <deque>
#include <memory>

#include "runtime/objects/context_ids.hpp"

namespace efampi::rt {

Comm g_world;
Comm g_self;

namespace {
std::vector<Comm*> g_live;                     // created and not yet freed
std::deque<std::unique_ptr<Comm>> g_dead;      // freed: poisoned, kept a while for stale handles
constexpr size_t dead_kept = 1024;
}  // namespace

namespace {

// A live communicator object (not yet given a context id).
Comm* make_comm(std::vector<int> members, int rank, Errhandler* errh) {
    auto c = std::make_unique<Comm>();
    c->rank = rank;
    c->size = static_cast<int>(members.size());
    c->world = std::move(members);
    c->errh = errh;
    errhandler_retain(errh);
    c->handle = reinterpret_cast<MPI_Comm>(c.get());
    g_live.push_back(c.get());
    return c.release();
}

}  // namespace

Comm* comm_new(uint32_t ctx, std::vector<int> members, int rank, Errhandler* errh) {
    Comm* c = make_comm(std::move(members), rank, errh);
    c->ctx = ctx;
    context_ids().take(ctx);
    return c;
}

Comm* comm_new_pending(std::vector<int> members, int rank, Errhandler* errh) {
    Comm* c = make_comm(std::move(members), rank, errh);
    c->magic = Magic::comm_pending;
    return c;
}

void comm_activate(Comm* c, uint32_t ctx) {
    c->ctx = ctx;
    c->magic = Magic::comm;
}

bool comm_is_pending(MPI_Comm h) {
    uintptr_t v = handle_value(h);
    if (v <= predefined_limit || v % alignof(Comm) != 0) return false;
    return reinterpret_cast<Comm*>(v)->magic == Magic::comm_pending;
}

void comm_free(Comm* c) {
    if (c->bsend && c->bsend->attached()) c->bsend->flush();
    context_ids().release(c->ctx);
    if (c->errh) errhandler_release(c->errh);
    c->errh = nullptr;
    c->magic = Magic::dead;
    g_live.erase(std::find(g_live.begin(), g_live.end(), c));
    g_dead.emplace_back(c);
    if (g_dead.size() > dead_kept) g_dead.pop_front();
}

std::vector<int> comm_members(const Comm& c) {
    if (!c.world.empty()) return c.world;
    std::vector<int> m(static_cast<size_t>(c.size));
    for (int i = 0; i < c.size; ++i) m[static_cast<size_t>(i)] = i;
    return m;
}

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
    for (Comm* c : g_live)
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

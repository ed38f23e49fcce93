#pragma once
// Communicators (intra- and inter-). Each has two context ids: `ctx` for point-to-point and `ctx + 1` for its
// collectives, so the two kinds of traffic never match each other. WORLD uses 0/1, SELF 2/3;
// later communicators get theirs from the context-id allocator (issue 5).
#include <mpi.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "collectives/comm_view.hpp"
#include "runtime/objects/attributes.hpp"
#include "runtime/objects/bsend_buffer.hpp"
#include "runtime/objects/errhandler.hpp"
#include "runtime/objects/handle.hpp"

namespace efampi::rt {

// A virtual topology attached to a communicator: Cartesian, graph or distributed graph.
struct Topology {
    int kind = 0;                // MPI_CART, MPI_GRAPH, MPI_DIST_GRAPH
    std::vector<int> dims;       // cart: extent of each dimension
    std::vector<int> periods;    // cart: 1 where periodic
    std::vector<int> index;      // graph: the standard's cumulative degrees
    std::vector<int> edges;      // graph: neighbours of node 0, then node 1, ...
    std::vector<int> sources, source_weights;  // dist graph: in-neighbours of this rank
    std::vector<int> dests, dest_weights;      // dist graph: out-neighbours of this rank
    bool weighted = false;                     // dist graph: weights were given
    // The ranks `rank` receives from (in) and sends to (out) in neighbourhood collectives, in
    // the standard's order (topology.cpp).
    void neighbours(int rank, std::vector<int>& in, std::vector<int>& out) const;
    // Cartesian coordinates of `rank` (row-major: the last dimension varies fastest).
    void coords(int rank, int* out) const {
        for (size_t i = dims.size(); i-- > 0;) {
            out[i] = rank % dims[i];
            rank /= dims[i];
        }
    }
};

struct Comm {
    Magic magic = Magic::comm;
    uint32_t ctx = 0;
    int rank = 0;
    int size = 0;
    std::vector<int> world;   // comm rank -> job rank; empty means the identity
    Errhandler* errh = nullptr;
    std::string name;
    MPI_Comm handle = nullptr;
    std::unique_ptr<BsendBuffer> bsend;  // MPI_Comm_attach_buffer; null: none attached
    AttrList attrs;  // cached attributes, in the order they were set
    std::unique_ptr<Topology> topo;            // null: no virtual topology
    // Collectives started on this communicator (every rank starts them in the same order):
    // each instance gets its own tag in the collective context, so concurrent nonblocking
    // collectives never match each other's messages.
    uint32_t coll_seq = 0;
    // (Below 2^30: intercommunicator collectives set bit 30 on the messages between groups.)
    int next_coll_tag() { return coll_tag_base + static_cast<int>(coll_seq++ & 0x1fffffffu); }
    static constexpr int coll_tag_base = 1024;  // below: the runtime's own fixed tags

    // The buffer buffered sends on this communicator use: its own, else the process's.
    BsendBuffer& bsend_buffer() {
        return bsend && bsend->attached() ? *bsend : process_bsend_buffer();
    }

    int to_world(int r) const { return world.empty() ? r : world[static_cast<size_t>(r)]; }

    // Intercommunicators (MPI_Intercomm_create): rank, size and `world` describe the local
    // group; point-to-point names ranks of the remote group. Both groups use the same context
    // ids; a message's source is the sender's rank in its own (local) group, which is what the
    // receiver calls the remote rank, so matching needs nothing more.
    bool inter = false;
    std::vector<int> remote;  // the remote group's job ranks, in its rank order
    // Ranks a point-to-point call may name, and the job rank behind one.
    int peers() const { return inter ? static_cast<int>(remote.size()) : size; }
    int peer_world(int r) const { return inter ? remote[static_cast<size_t>(r)] : to_world(r); }
    coll::CommView coll_view() const {
        return coll::CommView{ctx + 1, rank, size, world.empty() ? nullptr : world.data(),
                              inter ? remote.data() : nullptr, static_cast<int>(remote.size())};
    }
};

extern Comm g_world;
extern Comm g_self;
inline Comm* comm_world() { return &g_world; }
inline Comm* comm_self() { return &g_self; }
Comm* to_comm_slow(MPI_Comm h);
// The communicator behind `h`, or null when `h` names none (MPI_COMM_NULL, freed, garbage).
inline Comm* to_comm(MPI_Comm h) {
    if (h == MPI_COMM_WORLD) return &g_world;
    if (h == MPI_COMM_SELF) return &g_self;
    return to_comm_slow(h);
}
// A new communicator (dup, split, create): `members` are the job ranks in communicator-rank
// order, `rank` this process's place among them, `ctx` an id agreed by ContextIds (taken here).
// The error handler is `errh` (retained).
Comm* comm_new(uint32_t ctx, std::vector<int> members, int rank, Errhandler* errh);
// MPI_Comm_idup: a communicator whose context id is still being agreed. Its handle is valid
// but every call refuses it (MPI_ERR_COMM) until comm_activate, with `ctx` already taken.
Comm* comm_new_pending(std::vector<int> members, int rank, Errhandler* errh);
void comm_activate(Comm* c, uint32_t ctx);
// True when `h` is such a communicator (for the error message).
bool comm_is_pending(MPI_Comm h);
// MPI_Comm_free: the id goes back, the handle goes dead (a stale use is MPI_ERR_COMM; the
// memory of the oldest dead ones is given back once many have piled up).
void comm_free(Comm* c);
// The job rank of every member, in communicator-rank order (WORLD included).
std::vector<int> comm_members(const Comm& c);
// Sets up WORLD and SELF for a job of `size` ranks where this process is `rank`.
void comms_init(int rank, int size);
// MPI_Finalize, before the engine closes: every buffered send still pending goes out.
void comms_flush_buffered();
void comms_finalize();

}  // namespace efampi::rt

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

// ---- Schedules (MPI_Allgather, MPI_Allgatherv) ----

#include "collectives/algo_util.hpp"
#include "collectives/algorithms.hpp"

namespace efampi::coll {

using namespace detail;

namespace {

// Power-of-two sizes: blocks stay in place; at distance `mask` partners swap the windows of
// `mask` blocks they hold.
void recursive_doubling(Schedule& s, void* recv, uint64_t bytes) {
    const CommView& c = s.view();
    for (int mask = 1; mask < c.size; mask <<= 1) {
        int peer = c.rank ^ mask;
        int mine = c.rank & ~(mask - 1), theirs = peer & ~(mask - 1);
        s.send(peer, at(recv, static_cast<uint64_t>(mine) * bytes), static_cast<uint64_t>(mask) * bytes);
        s.recv(peer, at(recv, static_cast<uint64_t>(theirs) * bytes), static_cast<uint64_t>(mask) * bytes);
        s.end_round();
    }
}

// Bruck: ceil(log2 p) rounds for any p. Scratch holds blocks rank, rank + 1, ... in order; at
// distance d a rank sends its first min(d, p - d) blocks to rank - d and appends those of
// rank + d; a final rotation puts them in rank order.
void bruck(Schedule& s, const void* mine, void* recv, uint64_t bytes) {
    const CommView& c = s.view();
    int p = c.size;
    uint8_t* tmp = s.scratch(static_cast<uint64_t>(p) * bytes);
    s.copy(mine, tmp, bytes);
    s.end_round();
    for (int d = 1; d < p; d <<= 1) {
        uint64_t n = static_cast<uint64_t>(d < p - d ? d : p - d) * bytes;
        s.send((c.rank - d + p) % p, tmp, n);
        s.recv((c.rank + d) % p, tmp + static_cast<uint64_t>(d) * bytes, n);
        s.end_round();
    }
    // tmp[i] is the block of rank (rank + i) mod p.
    uint64_t first = static_cast<uint64_t>(p - c.rank) * bytes;
    s.copy(tmp, at(recv, static_cast<uint64_t>(c.rank) * bytes), first);
    s.copy(tmp + first, recv, static_cast<uint64_t>(c.rank) * bytes);
    s.end_round();
}

void ring(Schedule& s, void* recv, const uint64_t* bytes, const uint64_t* displs) {
    const CommView& c = s.view();
    int p = c.size, right = (c.rank + 1) % p, left = (c.rank - 1 + p) % p;
    for (int st = 0; st < p - 1; ++st) {
        size_t sb = static_cast<size_t>((c.rank - st + p) % p);
        size_t rb = static_cast<size_t>((c.rank - st - 1 + 2 * p) % p);
        s.send(right, at(recv, displs[sb]), bytes[sb]);
        s.recv(left, at(recv, displs[rb]), bytes[rb]);
        s.end_round();
    }
}

}  // namespace

void build_allgather(Schedule& s, AllgatherAlg alg, const void* send, void* recv,
                     uint64_t bytes) {
    const CommView& c = s.view();
    int p = c.size;
    uint8_t* own = at(recv, static_cast<uint64_t>(c.rank) * bytes);
    if (alg == AllgatherAlg::bruck) {
        if (p > 1 && bytes) return bruck(s, send ? send : own, recv, bytes);
        alg = AllgatherAlg::ring;
    }
    if (send) s.copy(send, own, bytes);
    s.end_round();
    if (p == 1 || bytes == 0) return;
    if (alg == AllgatherAlg::recursive_doubling && (p & (p - 1)) == 0)
        return recursive_doubling(s, recv, bytes);
    std::vector<uint64_t> b(static_cast<size_t>(p), bytes), d(static_cast<size_t>(p));
    for (int i = 0; i < p; ++i) d[static_cast<size_t>(i)] = static_cast<uint64_t>(i) * bytes;
    ring(s, recv, b.data(), d.data());
}

void build_allgatherv(Schedule& s, const void* send, void* recv, const uint64_t* bytes,
                      const uint64_t* displs) {
    const CommView& c = s.view();
    size_t me = static_cast<size_t>(c.rank);
    if (send) s.copy(send, at(recv, displs[me]), bytes[me]);
    s.end_round();
    if (c.size > 1) ring(s, recv, bytes, displs);
}

}  // namespace efampi::coll

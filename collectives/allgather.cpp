// Allgather schedules (MPI_Allgather, MPI_Allgatherv): recursive doubling, Bruck, ring.
#include <cstdint>
#include <vector>

#include "collectives/algo_util.hpp"
#include "collectives/algorithms.hpp"
#include "collectives/cost.hpp"
#include "collectives/select.hpp"

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

uint8_t* own_block(Schedule& s, void* recv, uint64_t bytes) {
    return at(recv, static_cast<uint64_t>(s.view().rank) * bytes);
}

// The row builders (one block per rank, at least two ranks and one byte). Recursive doubling
// and the ring work in recv: this rank's block is copied there first; Bruck builds from its
// own block wherever it is.
void doubling_row(Schedule& s, const void* send, void* recv, uint64_t bytes) {
    if (send) s.copy(send, own_block(s, recv, bytes), bytes);
    s.end_round();
    recursive_doubling(s, recv, bytes);
}
void ring_row(Schedule& s, const void* send, void* recv, uint64_t bytes) {
    if (send) s.copy(send, own_block(s, recv, bytes), bytes);
    s.end_round();
    size_t p = static_cast<size_t>(s.view().size);
    std::vector<uint64_t> b(p, bytes), d(p);
    for (size_t i = 0; i < p; ++i) d[i] = i * bytes;
    ring(s, recv, b.data(), d.data());
}
void bruck_row(Schedule& s, const void* send, void* recv, uint64_t bytes) {
    bruck(s, send ? send : own_block(s, recv, bytes), recv, bytes);
}

using namespace cost;

// Rows in the order that breaks ties (select.hpp): on equal cost the earlier one wins.
// `bytes` is one rank's block; the doubling algorithms' largest message is half the result.
constexpr Algorithm<AllgatherAlg> rows[] = {
    {AllgatherAlg::recursive_doubling, "recursive_doubling", "power-of-two sizes",
     [](const Query& q) { return pow2(q.p); },
     [](const CostModel& m, const Query& q) {
         double b = static_cast<double>(q.bytes);
         return lg(q.p) * round_cost(m, b * q.p / 2.0) + (q.p - 1.0) * b * m.beta;
     },
     doubling_row},
    {AllgatherAlg::ring, "ring", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double b = static_cast<double>(q.bytes);
         return (q.p - 1) * round_cost(m, b) + (q.p - 1.0) * b * m.beta;
     },
     ring_row},
    {AllgatherAlg::bruck, "bruck", "", nullptr,
     [](const CostModel& m, const Query& q) {  // + the final rotation
         double b = static_cast<double>(q.bytes);
         return lg(q.p) * round_cost(m, b * q.p / 2.0) + (q.p - 1.0) * b * m.beta +
                2.0 * q.p * b * m.beta / 4;
     },
     bruck_row},
};

}  // namespace

const Table<AllgatherAlg>& allgather_table() {
    static const Table<AllgatherAlg> t{"allgather", "EFAMPI_COLL_ALLGATHER", rows};
    return t;
}

void build_allgather(Schedule& s, AllgatherAlg alg, const void* send, void* recv,
                     uint64_t bytes) {
    if (s.view().size == 1 || bytes == 0) {
        if (send) s.copy(send, own_block(s, recv, bytes), bytes);
        s.end_round();
        return;
    }
    const auto& t = allgather_table();
    entry(t, resolve(t, alg, Query{s.view().size, bytes})).build(s, send, recv, bytes);
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

// Broadcast: binomial tree; for large messages scatter (binomial) + ring allgather (van de
// Geijn), which sends about 2n bytes per rank instead of n log p.
#include "collectives/algo_util.hpp"
#include "collectives/algorithms.hpp"
#include "collectives/cost.hpp"
#include "collectives/select.hpp"

namespace efampi::coll {

using namespace detail;

namespace {

int lowbit(int v) { return v & -v; }

void binomial(Schedule& s, void* buf, uint64_t bytes, int root) {
    const CommView& c = s.view();
    int p = c.size, v = (c.rank - root + p) % p;
    int top = v ? lowbit(v) : pow2_floor(p) * (pow2_floor(p) < p ? 2 : 1);
    if (v) {
        s.recv((v - lowbit(v) + root) % p, buf, bytes);
        s.end_round();
    }
    for (int mask = top / 2; mask >= 1; mask >>= 1)
        if (v + mask < p) s.send((v + mask + root) % p, buf, bytes);
    s.end_round();
}

// Chunk k (of p) belongs to virtual rank k; a binomial scatter leaves each rank its chunk,
// then p - 1 ring steps circulate them.
void scatter_allgather(Schedule& s, void* buf, uint64_t bytes, int root) {
    const CommView& c = s.view();
    int p = c.size, v = (c.rank - root + p) % p;
    std::vector<uint64_t> off = split(bytes, p);
    auto o = [&](int k) { return off[static_cast<size_t>(k)]; };
    auto real = [&](int vr) { return (vr + root) % p; };
    int top = v ? lowbit(v) : pow2_floor(p) * (pow2_floor(p) < p ? 2 : 1);
    if (v) {  // my subtree's chunks [v, v + lowbit(v)) from the parent
        int end = v + lowbit(v) < p ? v + lowbit(v) : p;
        s.recv(real(v - lowbit(v)), at(buf, o(v)), o(end) - o(v));
        s.end_round();
    }
    for (int mask = top / 2; mask >= 1; mask >>= 1) {
        if (v + mask >= p) continue;
        int end = v + 2 * mask < p ? v + 2 * mask : p;
        s.send(real(v + mask), at(buf, o(v + mask)), o(end) - o(v + mask));
    }
    s.end_round();
    int right = real((v + 1) % p), left = real((v - 1 + p) % p);
    for (int st = 0; st < p - 1; ++st) {
        int sc = ((v - st) % p + p) % p, rc = ((v - st - 1) % p + p) % p;
        s.send(right, at(buf, o(sc)), o(sc + 1) - o(sc));
        s.recv(left, at(buf, o(rc)), o(rc + 1) - o(rc));
        s.end_round();
    }
}

using namespace cost;

// Rows in the order that breaks ties (select.hpp): on equal cost the earlier one wins.
constexpr Algorithm<BcastAlg> rows[] = {
    {BcastAlg::binomial, "binomial", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes);
         return lg(q.p) * (round_cost(m, n) + n * m.beta);
     },
     binomial},
    {BcastAlg::scatter_allgather, "scatter_allgather", "messages of at least one byte per rank",
     [](const Query& q) { return q.bytes >= static_cast<uint64_t>(q.p); },
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes), p = q.p;
         return (lg(q.p) + p - 1) * round_cost(m, n / p) + 2.0 * n * (p - 1) / p * m.beta;
     },
     scatter_allgather},
};

}  // namespace

const Table<BcastAlg>& bcast_table() {
    static const Table<BcastAlg> t{"bcast", "EFAMPI_COLL_BCAST", rows};
    return t;
}

void build_bcast(Schedule& s, BcastAlg alg, void* buf, uint64_t bytes, int root) {
    if (s.view().size == 1) return;
    const auto& t = bcast_table();
    entry(t, resolve(t, alg, Query{s.view().size, bytes})).build(s, buf, bytes, root);
}

}  // namespace efampi::coll

// Reduce-scatter: commutative ops by a ring over the whole vector (p - 1 rounds, rank r ends
// owning block r); other ops by an ordered binomial reduce to rank 0, then a linear scatter.
#include "collectives/algo_util.hpp"
#include "collectives/algorithms.hpp"

namespace efampi::coll {

using namespace detail;

void build_reduce_scatter(Schedule& s, const void* send, void* recv, const uint64_t* counts) {
    const CommView& c = s.view();
    const Reduction& red = s.reduction;
    int p = c.size, r = c.rank;
    uint64_t ext = red.extent;
    std::vector<uint64_t> off(static_cast<size_t>(p) + 1);
    uint64_t most = 0;
    for (int i = 0; i < p; ++i) {
        off[static_cast<size_t>(i) + 1] = off[static_cast<size_t>(i)] + counts[i];
        most = counts[i] > most ? counts[i] : most;
    }
    uint64_t total = off[static_cast<size_t>(p)];
    auto o = [&](int i) { return off[static_cast<size_t>(i)] * ext; };
    const void* input = send ? send : recv;
    if (p == 1) {
        s.copy(input, recv, total * ext);
        s.end_round();
        return;
    }
    if (red.commutative) {
        // Ring on a working copy: in round st rank r sends block r - st - 1 and folds block
        // r - st - 2 from the left into its copy; after p - 1 rounds it owns block r.
        uint8_t* work = s.scratch(total * ext + most * ext);
        uint8_t* tmp = work + total * ext;
        s.copy(input, work, total * ext);
        s.end_round();
        int right = (r + 1) % p, left = (r - 1 + p) % p;
        auto blk = [&](int i) { return ((i % p) + p) % p; };
        for (int st = 0; st < p - 1; ++st) {
            int sb = blk(r - st - 1), rb = blk(r - st - 2);
            s.send(right, work + o(sb), counts[sb] * ext);
            s.recv(left, tmp, counts[rb] * ext);
            s.reduce(tmp, work + o(rb), counts[rb]);
            s.end_round();
        }
        s.copy(work + o(r), recv, counts[r] * ext);
        s.end_round();
        return;
    }
    // Ordered: a binomial reduce to rank 0 over the whole vector (rank 0 stands lowest, so
    // children always hold higher ranks), then rank 0 sends each rank its block.
    int v = r;
    bool has_children = v % 2 == 0 && v + 1 < p;
    uint8_t* acc = s.scratch(total * ext * (has_children ? 2 : 1));
    uint8_t* tmp = acc + total * ext;
    s.copy(input, acc, total * ext);
    s.end_round();
    for (int mask = 1; mask < p; mask <<= 1) {
        if (v & mask) {
            s.send(v - mask, acc, total * ext);
            s.end_round();
            break;
        }
        if (v + mask < p) {
            s.recv(v + mask, tmp, total * ext);
            s.reduce(acc, tmp, total);
            s.copy(tmp, acc, total * ext);
            s.end_round();
        }
    }
    if (r == 0) {
        for (int i = 1; i < p; ++i) s.send(i, acc + o(i), counts[i] * ext);
        s.copy(acc, recv, counts[0] * ext);
    } else {
        s.recv(0, recv, counts[r] * ext);
    }
    s.end_round();
}

}  // namespace efampi::coll

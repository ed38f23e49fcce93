// Reduce: binomial tree (any op), Rabenseifner (commutative ops, large vectors: reduce-scatter
// by recursive halving, then every chunk straight to the root).
#include "collectives/algo_util.hpp"
#include "collectives/algorithms.hpp"
#include "collectives/cost.hpp"
#include "collectives/select.hpp"

namespace efampi::coll {

using namespace detail;

namespace {

// Binomial over virtual ranks v = rank - base (mod p). Non-commutative ops use base 0 so that
// every child's subtree holds the ranks just above its parent's; the result then travels from
// rank 0 to the root.
void binomial(Schedule& s, const void* send, void* recv, uint64_t count, int root) {
    const CommView& c = s.view();
    int p = c.size, r = c.rank;
    const Reduction& red = s.reduction;
    uint64_t bytes = count * red.extent;
    int base = red.commutative ? root : 0;
    int v = (r - base + p) % p;
    // acc: the partial result: recv at the root when it is the tree's top, the input itself
    // at a leaf, else scratch; tmp: a child's partial result.
    bool has_children = v % 2 == 0 && v + 1 < p;
    bool in_recv = v == 0 && r == root;
    if (!send) send = recv;  // in place (root only)
    bool leaf_direct = !has_children && !in_recv;
    uint64_t acc_bytes = in_recv || leaf_direct ? 0 : bytes;
    uint8_t* scratch = s.scratch(acc_bytes + (has_children ? bytes : 0));
    void* acc = in_recv ? recv : leaf_direct ? const_cast<void*>(send) : scratch;
    uint8_t* tmp = scratch + acc_bytes;
    s.copy(send, acc, bytes);  // no step when acc is send itself
    s.end_round();
    for (int mask = 1; mask < p; mask <<= 1) {
        if (v & mask) {
            s.send((v - mask + base) % p, acc, bytes);
            s.end_round();
            break;
        }
        if (v + mask < p) {
            s.recv((v + mask + base) % p, tmp, bytes);
            if (red.commutative) {
                s.reduce(tmp, acc, count);
            } else {
                s.reduce(acc, tmp, count);  // the child holds higher ranks
                s.copy(tmp, acc, bytes);
            }
            s.end_round();
        }
    }
    if (base != root) {  // non-commutative with root != 0: rank 0 hands the result over
        if (r == 0) s.send(root, acc, bytes);
        else if (r == root) s.recv(0, recv, bytes);
        s.end_round();
    }
}

void rabenseifner(Schedule& s, const void* send, void* recv, uint64_t count, int root) {
    const CommView& c = s.view();
    uint64_t ext = s.reduction.extent;
    Fold f = make_fold(c.rank, c.size);
    std::vector<uint64_t> off = split(count, f.p2);
    auto o = [&](int i) { return off[static_cast<size_t>(i)]; };
    uint64_t half = o(f.p2 / 2) * ext;
    // acc: a full-size working copy (the root works in recv).
    bool at_root = c.rank == root;
    uint64_t need = (at_root ? 0 : count * ext) + (count * ext > half ? count * ext : half);
    uint8_t* scratch = s.scratch(need);
    void* acc = at_root ? recv : scratch;
    uint8_t* tmp = scratch + (at_root ? 0 : count * ext);
    if (!send) send = recv;
    s.copy(send, acc, count * ext);
    s.end_round();
    fold_in(s, f, acc, tmp, count);
    int lo = 0, hi = f.p2;
    if (f.newrank >= 0) halving(s, f, off, acc, tmp, lo, hi);
    // New rank nr owns chunk nr: each sends it to the root, which receives every chunk it
    // does not own.
    if (f.newrank >= 0 && c.rank != root)
        s.send(root, at(acc, o(f.newrank) * ext), (o(f.newrank + 1) - o(f.newrank)) * ext);
    if (at_root)
        for (int nr = 0; nr < f.p2; ++nr)
            if (f.real(nr) != root)
                s.recv(f.real(nr), at(recv, o(nr) * ext), (o(nr + 1) - o(nr)) * ext);
    s.end_round();
}

using namespace cost;

// Rows in the order that breaks ties (select.hpp): on equal cost the earlier one wins.
constexpr Algorithm<ReduceAlg> rows[] = {
    {ReduceAlg::binomial, "binomial", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes);
         return lg(q.p) * (round_cost(m, n) + n * (m.beta + m.gamma));
     },
     binomial},
    // Halving (messages n/2, n/4, ...) then every chunk to the root in one round.
    {ReduceAlg::rabenseifner, "rabenseifner", "commutative ops, count >= size", chunked,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes), p = q.p;
         double r = lg(q.p) * round_cost(m, n / 2.0) + round_cost(m, n / p) + (p - 1) * m.msg +
                    n * (p - 1.0) / p * (2 * m.beta + m.gamma);
         if (!pow2(q.p)) r += round_cost(m, n) + n * (m.beta + m.gamma);  // the fold
         return r;
     },
     rabenseifner},
};

}  // namespace

const Table<ReduceAlg>& reduce_table() {
    static const Table<ReduceAlg> t{"reduce", "EFAMPI_COLL_REDUCE", rows};
    return t;
}

void build_reduce(Schedule& s, ReduceAlg alg, const void* send, void* recv, uint64_t count,
                  int root) {
    if (s.view().size == 1) {
        if (send) s.copy(send, recv, count * s.reduction.extent);
        s.end_round();
        return;
    }
    if (count == 0) return;
    const auto& t = reduce_table();
    Query q{s.view().size, count * s.reduction.extent, s.reduction.commutative, count};
    entry(t, resolve(t, alg, q)).build(s, send, recv, count, root);
}

}  // namespace efampi::coll

// Allreduce: recursive doubling (any op, small vectors), ring and Rabenseifner (commutative
// ops, large vectors). Also the fold of non-power-of-two sizes shared with reduce.
#include <cmath>

#include "collectives/algo_util.hpp"
#include "collectives/algorithms.hpp"
#include "collectives/cost.hpp"
#include "collectives/select.hpp"

namespace efampi::coll {

namespace detail {

Fold make_fold(int rank, int size) {
    Fold f;
    f.p2 = pow2_floor(size);
    f.rem = size - f.p2;
    if (rank < 2 * f.rem) f.newrank = rank % 2 ? rank / 2 : -1;
    else f.newrank = rank - f.rem;
    return f;
}

void fold_in(Schedule& s, const Fold& f, void* acc, void* tmp, uint64_t count) {
    int rank = s.view().rank;
    if (rank >= 2 * f.rem) return;
    uint64_t bytes = count * s.reduction.extent;
    if (f.newrank < 0) {
        s.send(rank + 1, acc, bytes);
    } else {
        s.recv(rank - 1, tmp, bytes);
        s.reduce(tmp, acc, count);  // the lower rank's data is `in`
    }
    s.end_round();
}

void fold_out(Schedule& s, const Fold& f, void* acc, uint64_t count) {
    int rank = s.view().rank;
    if (rank >= 2 * f.rem) return;
    uint64_t bytes = count * s.reduction.extent;
    if (f.newrank < 0) s.recv(rank + 1, acc, bytes);
    else s.send(rank - 1, acc, bytes);
    s.end_round();
}

void halving(Schedule& s, const Fold& f, const std::vector<uint64_t>& off, void* acc,
             uint8_t* tmp, int& lo, int& hi, const void* send) {
    uint64_t ext = s.reduction.extent;
    auto o = [&](int c) { return off[static_cast<size_t>(c)]; };
    for (int mask = f.p2 / 2; mask >= 1; mask >>= 1) {
        int pn = f.newrank ^ mask, peer = f.real(pn);
        int mid = lo + (hi - lo) / 2;
        int keep_lo = f.newrank < pn ? lo : mid, keep_hi = f.newrank < pn ? mid : hi;
        int give_lo = f.newrank < pn ? mid : lo, give_hi = f.newrank < pn ? hi : mid;
        uint64_t keep = (o(keep_hi) - o(keep_lo)) * ext;
        if (send) {
            // First round with the input still in `send`: the peer's half lands in place and
            // this rank's half is reduced into it (commutative ops), so acc is never filled
            // by a copy of the input.
            s.send(peer, at(const_cast<void*>(send), o(give_lo) * ext), (o(give_hi) - o(give_lo)) * ext);
            s.recv(peer, at(acc, o(keep_lo) * ext), keep);
            s.reduce(at(const_cast<void*>(send), o(keep_lo) * ext), at(acc, o(keep_lo) * ext),
                     o(keep_hi) - o(keep_lo));
            send = nullptr;
        } else {
            s.send(peer, at(acc, o(give_lo) * ext), (o(give_hi) - o(give_lo)) * ext);
            s.recv(peer, tmp, keep);
            s.reduce(tmp, at(acc, o(keep_lo) * ext), o(keep_hi) - o(keep_lo));
        }
        s.end_round();
        lo = keep_lo;
        hi = keep_hi;
    }
}

}  // namespace detail

using namespace detail;

namespace {

// Vector in `acc` (count elements), result in `acc` on every rank.
void recursive_doubling(Schedule& s, void* acc, uint64_t count) {
    const Reduction& red = s.reduction;
    uint64_t bytes = count * red.extent;
    Fold f = make_fold(s.view().rank, s.view().size);
    uint8_t* tmp = s.scratch(bytes);
    fold_in(s, f, acc, tmp, count);
    if (f.newrank >= 0) {
        for (int mask = 1; mask < f.p2; mask <<= 1) {
            int pn = f.newrank ^ mask;
            int peer = f.real(pn);
            s.send(peer, acc, bytes);
            s.recv(peer, tmp, bytes);
            if (pn < f.newrank || red.commutative) {
                s.reduce(tmp, acc, count);
            } else {
                s.reduce(acc, tmp, count);
                s.copy(tmp, acc, bytes);
            }
            s.end_round();
        }
    }
    fold_out(s, f, acc, count);
}

// Ring: reduce-scatter then allgather, p - 1 steps each; rank r ends the first phase owning
// chunk r + 1. Commutative ops only (each chunk accumulates in rotated order). With the input
// in `send` (not in place) no copy of it is made: each chunk is received once in the first
// phase, straight into `acc`, and this rank's part of it reduced from `send`.
void ring(Schedule& s, const void* send, void* acc, uint64_t count) {
    const CommView& v = s.view();
    int p = v.size, r = v.rank;
    uint64_t ext = s.reduction.extent;
    std::vector<uint64_t> off = split(count, p);
    auto chunk = [&](int i) { return ((i % p) + p) % p; };
    auto ptr = [&](int c) { return at(acc, off[static_cast<size_t>(c)] * ext); };
    auto in = [&](int c) { return at(const_cast<void*>(send), off[static_cast<size_t>(c)] * ext); };
    auto len = [&](int c) { return off[static_cast<size_t>(c) + 1] - off[static_cast<size_t>(c)]; };
    uint8_t* tmp = send ? nullptr : s.scratch(len(0) * ext);
    int right = (r + 1) % p, left = (r - 1 + p) % p;
    for (int st = 0; st < p - 1; ++st) {
        int sc = chunk(r - st), rc = chunk(r - st - 1);
        s.send(right, send && st == 0 ? in(sc) : ptr(sc), len(sc) * ext);
        if (send) {
            s.recv(left, ptr(rc), len(rc) * ext);
            s.reduce(in(rc), ptr(rc), len(rc));
        } else {
            s.recv(left, tmp, len(rc) * ext);
            s.reduce(tmp, ptr(rc), len(rc));
        }
        s.end_round();
    }
    for (int st = 0; st < p - 1; ++st) {
        int sc = chunk(r + 1 - st), rc = chunk(r - st);
        s.send(right, ptr(sc), len(sc) * ext);
        s.recv(left, ptr(rc), len(rc) * ext);
        s.end_round();
    }
}

// Rabenseifner: fold, reduce-scatter by recursive halving, allgather by recursive doubling,
// unfold. New rank nr ends the halving owning chunk nr of p2. Commutative ops only. With the
// input in `send` and no fold (a power of two), the first halving round reads it there (see
// halving) instead of a copy into `acc` first.
void rabenseifner(Schedule& s, const void* send, void* acc, uint64_t count) {
    uint64_t ext = s.reduction.extent;
    Fold f = make_fold(s.view().rank, s.view().size);
    std::vector<uint64_t> off = split(count, f.p2);
    uint64_t half = off[static_cast<size_t>(f.p2 / 2)] * ext;  // the largest half
    if (send && f.rem) {
        s.copy(send, acc, count * ext);
        s.end_round();
        send = nullptr;
    }
    uint8_t* tmp = s.scratch(count * ext > half ? count * ext : half);
    fold_in(s, f, acc, tmp, count);
    if (f.newrank >= 0) {
        int lo = 0, hi = f.p2;  // chunks this rank is responsible for
        halving(s, f, off, acc, tmp, lo, hi, send);
        for (int mask = 1; mask < f.p2; mask <<= 1) {
            int pn = f.newrank ^ mask, peer = f.real(pn);
            // My window [lo, hi) and the partner's, of equal chunk count, side by side.
            int w = hi - lo;
            int plo = f.newrank < pn ? hi : lo - w, phi = plo + w;
            auto o = [&](int c) { return off[static_cast<size_t>(c)]; };
            s.send(peer, at(acc, o(lo) * ext), (o(hi) - o(lo)) * ext);
            s.recv(peer, at(acc, o(plo) * ext), (o(phi) - o(plo)) * ext);
            s.end_round();
            lo = lo < plo ? lo : plo;
            hi = hi > phi ? hi : phi;
        }
    }
    fold_out(s, f, acc, count);
}

// Recursive doubling works in place: the input is copied into the result first.
void doubling_from(Schedule& s, const void* send, void* recv, uint64_t count) {
    if (send) s.copy(send, recv, count * s.reduction.extent);
    s.end_round();
    recursive_doubling(s, recv, count);
}

using namespace cost;

// The non-power-of-two fold of recursive doubling and Rabenseifner: out and back.
double fold_cost(const CostModel& m, const Query& q) {
    double n = static_cast<double>(q.bytes);
    return pow2(q.p) ? 0 : 2 * (round_cost(m, n) + n * m.beta) + n * m.gamma;
}

// Rows in the order that breaks ties (select.hpp): on equal cost the earlier one wins.
// Ring and Rabenseifner need a chunk per rank, and reorder the operands.
constexpr Algorithm<AllreduceAlg> rows[] = {
    {AllreduceAlg::recursive_doubling, "recursive_doubling", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes);
         return std::floor(std::log2(q.p)) * (round_cost(m, n) + n * (m.beta + m.gamma)) +
                fold_cost(m, q);
     },
     doubling_from},
    {AllreduceAlg::rabenseifner, "rabenseifner", "commutative ops, count >= size", chunked,
     [](const CostModel& m, const Query& q) {  // halves shrink from n/2: each round at n/2
         double n = static_cast<double>(q.bytes), p = q.p;
         return 2 * std::floor(std::log2(q.p)) * round_cost(m, n / 2.0) +
                n * (p - 1.0) / p * (2 * m.beta + m.gamma) + fold_cost(m, q);
     },
     rabenseifner},
    {AllreduceAlg::ring, "ring", "commutative ops, count >= size", chunked,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes), p = q.p;
         return 2 * (p - 1) * round_cost(m, n / p) + n * (p - 1.0) / p * (2 * m.beta + m.gamma);
     },
     ring},
};

}  // namespace

const Table<AllreduceAlg>& allreduce_table() {
    static const Table<AllreduceAlg> t{"allreduce", "EFAMPI_COLL_ALLREDUCE", rows};
    return t;
}

void build_allreduce(Schedule& s, AllreduceAlg alg, const void* send, void* recv,
                     uint64_t count) {
    if (s.view().size == 1 || count == 0) {
        if (send) s.copy(send, recv, count * s.reduction.extent);
        s.end_round();
        return;
    }
    const auto& t = allreduce_table();
    Query q{s.view().size, count * s.reduction.extent, s.reduction.commutative, count};
    entry(t, resolve(t, alg, q)).build(s, send, recv, count);
}

}  // namespace efampi::coll

// All-to-all: pairwise exchange (p - 1 rounds, one peer each: large blocks), Bruck (ceil(log2
// p) rounds with packing: small blocks), linear (every message in one round); alltoallv/w
// are linear.
#include <cstring>

#include "collectives/algo_util.hpp"
#include "collectives/algorithms.hpp"
#include "collectives/cost.hpp"
#include "collectives/select.hpp"

namespace efampi::coll {

using namespace detail;

namespace {

void pairwise(Schedule& s, const void* send, void* recv, uint64_t bytes) {
    const CommView& c = s.view();
    int p = c.size, r = c.rank;
    s.copy(at(send, static_cast<uint64_t>(r) * bytes), at(recv, static_cast<uint64_t>(r) * bytes), bytes);
    s.end_round();
    for (int i = 1; i < p; ++i) {
        int to = (r + i) % p, from = (r - i + p) % p;
        s.send(to, at(send, static_cast<uint64_t>(to) * bytes), bytes);
        s.recv(from, at(recv, static_cast<uint64_t>(from) * bytes), bytes);
        s.end_round();
    }
}

void linear(Schedule& s, const void* send, void* recv, uint64_t bytes) {
    const CommView& c = s.view();
    int p = c.size, r = c.rank;
    for (int i = 1; i < p; ++i) {
        int to = (r + i) % p, from = (r - i + p) % p;
        s.recv(from, at(recv, static_cast<uint64_t>(from) * bytes), bytes);
        s.send(to, at(send, static_cast<uint64_t>(to) * bytes), bytes);
    }
    s.copy(at(send, static_cast<uint64_t>(r) * bytes), at(recv, static_cast<uint64_t>(r) * bytes), bytes);
    s.end_round();
}

// Bruck: rotate so that slot i holds the block for rank + i; at distance k every slot with bit
// k set goes (packed) to rank + k, which stores it in the same slot; then slot i holds the block
// from rank - i.
void bruck(Schedule& s, const void* send, void* recv, uint64_t bytes) {
    const CommView& c = s.view();
    int p = c.size, r = c.rank;
    uint64_t pb = static_cast<uint64_t>(p) * bytes;
    int most = 0;  // slots sent at one distance, at most
    for (int k = 1; k < p; k <<= 1) {
        int n = 0;
        for (int i = 1; i < p; ++i) n += (i & k) != 0;
        most = n > most ? n : most;
    }
    uint64_t pack = static_cast<uint64_t>(most) * bytes;
    uint8_t* tmp = s.scratch(pb + 2 * pack);
    uint8_t* out = tmp + pb;
    uint8_t* in = out + pack;
    auto slot = [&](int i) { return tmp + static_cast<uint64_t>(i) * bytes; };
    uint64_t head = static_cast<uint64_t>(p - r) * bytes;
    s.copy(at(send, static_cast<uint64_t>(r) * bytes), tmp, head);
    s.copy(send, tmp + head, static_cast<uint64_t>(r) * bytes);
    for (int k = 1; k < p; k <<= 1) {
        uint64_t n = 0;
        for (int i = 1; i < p; ++i)
            if (i & k) s.copy(slot(i), out + (n++) * bytes, bytes);  // packed after the last round
        s.end_round();
        s.send((r + k) % p, out, n * bytes);
        s.recv((r - k + p) % p, in, n * bytes);
        n = 0;
        for (int i = 1; i < p; ++i)
            if (i & k) s.copy(in + (n++) * bytes, slot(i), bytes);
    }
    s.end_round();
    for (int j = 0; j < p; ++j)
        s.copy(slot((r - j + p) % p), at(recv, static_cast<uint64_t>(j) * bytes), bytes);
    s.end_round();
}

using namespace cost;

// Rows in the order that breaks ties (select.hpp): on equal cost the earlier one wins.
constexpr Algorithm<AlltoallAlg> rows[] = {
    {AlltoallAlg::pairwise, "pairwise", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double b = static_cast<double>(q.bytes);
         return (q.p - 1) * (round_cost(m, b) + b * m.beta);
     },
     pairwise},
    // Every message at once: one latency, but the flows share the link.
    {AlltoallAlg::linear, "linear", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double b = static_cast<double>(q.bytes);
         return round_cost(m, b) + (q.p - 1) * (m.msg + 1.5 * b * m.beta);
     },
     linear},
    // Half the blocks travel at each of log p rounds, packed and unpacked.
    {AlltoallAlg::bruck, "bruck", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double half = q.p / 2.0 * static_cast<double>(q.bytes);
         return lg(q.p) * (round_cost(m, half) + half * (m.beta + m.beta / 2));
     },
     bruck},
};

}  // namespace

const Table<AlltoallAlg>& alltoall_table() {
    static const Table<AlltoallAlg> t{"alltoall", "EFAMPI_COLL_ALLTOALL", rows};
    return t;
}

void build_alltoall(Schedule& s, AlltoallAlg alg, const void* send, void* recv,
                    uint64_t bytes) {
    const CommView& c = s.view();
    uint64_t pb = static_cast<uint64_t>(c.size) * bytes;
    if (!send) {  // in place: the input is recv itself; work from a copy
        if (alg == AlltoallAlg::bruck) alg = AlltoallAlg::pairwise;  // one scratch per build
        uint8_t* copy = s.scratch(pb);
        s.copy(recv, copy, pb);
        s.end_round();
        send = copy;
    }
    if (c.size == 1 || bytes == 0) {
        s.copy(send, recv, bytes);
        s.end_round();
        return;
    }
    entry(alltoall_table(), alg).build(s, send, recv, bytes);
}

void build_alltoallv(Schedule& s, const void* send, const uint64_t* sbytes,
                     const uint64_t* sdispls, void* recv, const uint64_t* rbytes,
                     const uint64_t* rdispls) {
    const CommView& c = s.view();
    int p = c.size, r = c.rank;
    if (!send) {  // in place: recv holds the input, laid out like the output
        uint64_t total = 0;
        for (int i = 0; i < p; ++i) {
            uint64_t end = rdispls[i] + rbytes[i];
            total = end > total ? end : total;
        }
        uint8_t* copy = s.scratch(total);
        s.copy(recv, copy, total);
        s.end_round();
        send = copy;
        sbytes = rbytes;
        sdispls = rdispls;
    }
    for (int i = 1; i < p; ++i) {
        int to = (r + i) % p, from = (r - i + p) % p;
        s.recv(from, at(recv, rdispls[from]), rbytes[from]);
        s.send(to, at(send, sdispls[to]), sbytes[to]);
    }
    s.copy(at(send, sdispls[r]), at(recv, rdispls[r]), sbytes[r] < rbytes[r] ? sbytes[r] : rbytes[r]);
    s.end_round();
}

}  // namespace efampi::coll

#include "collectives/select.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "collectives/algo_util.hpp"
#include "pml/engine.hpp"
#include "base/error.hpp"
#include "base/tunable.hpp"

namespace efampi::coll {

namespace {

constexpr int err_arg = 13;  // MPI_ERR_ARG in the standard ABI

struct Model {
    double alpha = 1.0;   // us per round (latency)
    double msg = 0.2;     // us per message posted
    double beta = 1e-4;   // us per byte sent
    double gamma = 1e-4;  // us per byte reduced
    int bcast = -1, reduce = -1, allreduce = -1, allgather = -1, alltoall = -1;  // forced
    uint64_t eager = 32768;  // bytes: larger messages go by rendezvous (3 trips, not 1)
    bool loaded = false;
};
Model g_model;

int forced(const char* var, std::initializer_list<const char*> names) {
    std::string v = tunable_str(var);
    if (v.empty() || v == "auto") return -1;
    int i = 0;
    for (const char* n : names) {
        if (v == n) return i;
        ++i;
    }
    std::string all;
    for (const char* n : names) all += std::string(all.empty() ? "" : ", ") + n;
    throw Error(err_arg, std::string(var) + "=" + v + " is not an algorithm (choices: auto, " + all + ")");
}

const Model& model() {
    if (!g_model.loaded) reload_selection();
    return g_model;
}

// Oversubscribed (more ranks on the host than cores), every round waits for a peer to be
// scheduled: measured at 8 ranks on 2 cores, a round of a 1 MiB broadcast costs ~100 us more
// than its bytes, which makes the trees and the one-round algorithms win.
// Bytes are copied and combined by cores the ranks share: per rank, ranks / cores times slower.
void apply_oversubscription(Model& m) {
    if (!pml::engine().oversubscribed()) return;
    m.alpha = static_cast<double>(tunable_int("EFAMPI_COLL_ALPHA_OVERSUB_NS")) / 1000.0;
    m.beta *= pml::engine().oversubscription();
    m.gamma *= pml::engine().oversubscription();
}

double lg(int p) { return detail::ceil_log2(p); }
bool pow2(int p) { return (p & (p - 1)) == 0; }

}  // namespace

void reload_selection() {
    Model m;
    m.alpha = static_cast<double>(tunable_int("EFAMPI_COLL_ALPHA_NS")) / 1000.0;
    m.msg = static_cast<double>(tunable_int("EFAMPI_COLL_MSG_NS")) / 1000.0;
    m.beta = 1.0 / static_cast<double>(std::max<int64_t>(1, tunable_int("EFAMPI_COLL_BW_MBS")));
    m.gamma = 1.0 / static_cast<double>(std::max<int64_t>(1, tunable_int("EFAMPI_COLL_REDUCE_MBS")));
    m.bcast = forced("EFAMPI_COLL_BCAST", {"binomial", "scatter_allgather"});
    m.reduce = forced("EFAMPI_COLL_REDUCE", {"binomial", "rabenseifner"});
    m.allreduce = forced("EFAMPI_COLL_ALLREDUCE", {"recursive_doubling", "ring", "rabenseifner"});
    m.allgather = forced("EFAMPI_COLL_ALLGATHER", {"recursive_doubling", "bruck", "ring"});
    m.alltoall = forced("EFAMPI_COLL_ALLTOALL", {"pairwise", "bruck", "linear"});
    apply_oversubscription(m);
    m.eager = pml::engine().local_eager_limit();
    m.loaded = true;
    g_model = m;
}

// One round whose messages are `bytes` each: a latency, plus two more trips (rts, fin) when
// they go by rendezvous; the posting overhead.
double round_cost(const Model& m, double bytes) {
    double trips = bytes > static_cast<double>(m.eager) ? 3.0 : 1.0;
    return trips * m.alpha + m.msg;
}

BcastAlg select_bcast(int p, uint64_t n) {
    const Model& m = model();
    if (m.bcast >= 0) return static_cast<BcastAlg>(m.bcast);
    double b = lg(p) * (round_cost(m, n) + n * m.beta);
    double chunk = static_cast<double>(n) / p;
    double sa = (lg(p) + p - 1) * round_cost(m, chunk) + 2.0 * n * (p - 1) / p * m.beta;
    return sa < b ? BcastAlg::scatter_allgather : BcastAlg::binomial;
}

ReduceAlg select_reduce(int p, uint64_t n, bool commutative) {
    const Model& m = model();
    if (m.reduce >= 0) return static_cast<ReduceAlg>(m.reduce);
    if (!commutative) return ReduceAlg::binomial;
    double b = lg(p) * (round_cost(m, n) + n * (m.beta + m.gamma));
    // Halving (messages n/2, n/4, ...) then every chunk to the root in one round.
    double r = lg(p) * round_cost(m, n / 2.0) + round_cost(m, static_cast<double>(n) / p) +
               (p - 1) * m.msg + n * (p - 1.0) / p * (2 * m.beta + m.gamma);
    if (!pow2(p)) r += round_cost(m, n) + n * (m.beta + m.gamma);  // the fold
    return r < b ? ReduceAlg::rabenseifner : ReduceAlg::binomial;
}

double cost_allreduce(AllreduceAlg a, int p, uint64_t n) {
    const Model& m = model();
    double fold = pow2(p) ? 0 : 2 * (round_cost(m, n) + n * m.beta) + n * m.gamma;
    double share = n * (p - 1.0) / p;
    double steps = std::floor(std::log2(p));
    switch (a) {
    case AllreduceAlg::recursive_doubling:
        return steps * (round_cost(m, n) + n * (m.beta + m.gamma)) + fold;
    case AllreduceAlg::ring:
        return 2 * (p - 1) * round_cost(m, static_cast<double>(n) / p) +
               share * (2 * m.beta + m.gamma);
    case AllreduceAlg::rabenseifner:  // halves shrink from n/2: count each round at n/2
        return 2 * steps * round_cost(m, n / 2.0) + share * (2 * m.beta + m.gamma) + fold;
    }
    return 0;
}

AllreduceAlg select_allreduce(int p, uint64_t n, bool commutative) {
    const Model& m = model();
    if (m.allreduce >= 0) return static_cast<AllreduceAlg>(m.allreduce);
    if (!commutative) return AllreduceAlg::recursive_doubling;
    AllreduceAlg best = AllreduceAlg::recursive_doubling;
    for (AllreduceAlg a : {AllreduceAlg::rabenseifner, AllreduceAlg::ring})
        if (cost_allreduce(a, p, n) < cost_allreduce(best, p, n)) best = a;
    return best;
}

AllgatherAlg select_allgather(int p, uint64_t b) {
    const Model& m = model();
    if (m.allgather >= 0) return static_cast<AllgatherAlg>(m.allgather);
    double wire = (p - 1.0) * b * m.beta;
    double half = b * p / 2.0;  // the largest message of the doubling algorithms
    double rd = pow2(p) ? lg(p) * round_cost(m, half) + wire : 1e300;
    double bruck = lg(p) * round_cost(m, half) + wire + 2.0 * p * b * m.beta / 4;  // + rotation
    double ring = (p - 1) * round_cost(m, b) + wire;
    if (rd <= bruck && rd <= ring) return AllgatherAlg::recursive_doubling;
    return bruck < ring ? AllgatherAlg::bruck : AllgatherAlg::ring;
}

AlltoallAlg select_alltoall(int p, uint64_t b) {
    const Model& m = model();
    if (m.alltoall >= 0) return static_cast<AlltoallAlg>(m.alltoall);
    double pairwise = (p - 1) * (round_cost(m, b) + b * m.beta);
    // Every message at once: one latency, but the flows share the link.
    double linear = round_cost(m, b) + (p - 1) * (m.msg + 1.5 * b * m.beta);
    // Bruck: half the blocks travel at each of log p rounds, packed and unpacked.
    double bruck = lg(p) * (round_cost(m, p / 2.0 * b) + p / 2.0 * b * (m.beta + m.beta / 2));
    if (bruck < pairwise && bruck < linear) return AlltoallAlg::bruck;
    return linear < pairwise ? AlltoallAlg::linear : AlltoallAlg::pairwise;
}

}  // namespace efampi::coll

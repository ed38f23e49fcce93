#include "collectives/select.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "base/error.hpp"
#include "base/tunable.hpp"
#include "collectives/algo_util.hpp"

namespace efampi::coll {

namespace {

constexpr int err_arg = 13;  // MPI_ERR_ARG in the standard ABI

double lg(int p) { return detail::ceil_log2(p); }
bool pow2(int p) { return (p & (p - 1)) == 0; }
// Ring and Rabenseifner cut the vector into a chunk per rank and reorder the operands.
bool chunked(const Query& q) { return q.commutative && q.count >= static_cast<uint64_t>(q.p); }

// One round whose messages are `bytes` each: a latency, plus two more trips (rts, fin) when
// they go by rendezvous; the posting overhead.
double round_cost(const CostModel& m, double bytes) {
    double trips = bytes > static_cast<double>(m.eager) ? 3.0 : 1.0;
    return trips * m.alpha + m.msg;
}

// The non-power-of-two fold of recursive doubling and Rabenseifner (allreduce: out and back).
double fold(const CostModel& m, const Query& q) {
    double n = static_cast<double>(q.bytes);
    return pow2(q.p) ? 0 : 2 * (round_cost(m, n) + n * m.beta) + n * m.gamma;
}

// Rows in the order that breaks ties: on equal cost the earlier one wins.
constexpr std::array<Algorithm<BcastAlg>, 2> bcast_rows{{
    {BcastAlg::binomial, "binomial", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes);
         return lg(q.p) * (round_cost(m, n) + n * m.beta);
     }},
    // Scatter, then a ring allgather of the pieces (van de Geijn).
    {BcastAlg::scatter_allgather, "scatter_allgather", "messages of at least one byte per rank",
     [](const Query& q) { return q.bytes >= static_cast<uint64_t>(q.p); },
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes), p = q.p;
         return (lg(q.p) + p - 1) * round_cost(m, n / p) + 2.0 * n * (p - 1) / p * m.beta;
     }},
}};

constexpr std::array<Algorithm<ReduceAlg>, 2> reduce_rows{{
    {ReduceAlg::binomial, "binomial", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes);
         return lg(q.p) * (round_cost(m, n) + n * (m.beta + m.gamma));
     }},
    // Halving (messages n/2, n/4, ...) then every chunk to the root in one round.
    {ReduceAlg::rabenseifner, "rabenseifner", "commutative ops, count >= size", chunked,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes), p = q.p;
         double r = lg(q.p) * round_cost(m, n / 2.0) + round_cost(m, n / p) + (p - 1) * m.msg +
                    n * (p - 1.0) / p * (2 * m.beta + m.gamma);
         if (!pow2(q.p)) r += round_cost(m, n) + n * (m.beta + m.gamma);  // the fold
         return r;
     }},
}};

constexpr std::array<Algorithm<AllreduceAlg>, 3> allreduce_rows{{
    {AllreduceAlg::recursive_doubling, "recursive_doubling", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes);
         return std::floor(std::log2(q.p)) * (round_cost(m, n) + n * (m.beta + m.gamma)) +
                fold(m, q);
     }},
    {AllreduceAlg::rabenseifner, "rabenseifner", "commutative ops, count >= size", chunked,
     [](const CostModel& m, const Query& q) {  // halves shrink from n/2: each round at n/2
         double n = static_cast<double>(q.bytes), p = q.p;
         return 2 * std::floor(std::log2(q.p)) * round_cost(m, n / 2.0) +
                n * (p - 1.0) / p * (2 * m.beta + m.gamma) + fold(m, q);
     }},
    {AllreduceAlg::ring, "ring", "commutative ops, count >= size", chunked,
     [](const CostModel& m, const Query& q) {
         double n = static_cast<double>(q.bytes), p = q.p;
         return 2 * (p - 1) * round_cost(m, n / p) + n * (p - 1.0) / p * (2 * m.beta + m.gamma);
     }},
}};

// `bytes` is one rank's block; the doubling algorithms' largest message is half the result.
constexpr std::array<Algorithm<AllgatherAlg>, 3> allgather_rows{{
    {AllgatherAlg::recursive_doubling, "recursive_doubling", "power-of-two sizes",
     [](const Query& q) { return pow2(q.p); },
     [](const CostModel& m, const Query& q) {
         double b = static_cast<double>(q.bytes);
         return lg(q.p) * round_cost(m, b * q.p / 2.0) + (q.p - 1.0) * b * m.beta;
     }},
    {AllgatherAlg::ring, "ring", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double b = static_cast<double>(q.bytes);
         return (q.p - 1) * round_cost(m, b) + (q.p - 1.0) * b * m.beta;
     }},
    {AllgatherAlg::bruck, "bruck", "", nullptr,
     [](const CostModel& m, const Query& q) {  // + the final rotation
         double b = static_cast<double>(q.bytes);
         return lg(q.p) * round_cost(m, b * q.p / 2.0) + (q.p - 1.0) * b * m.beta +
                2.0 * q.p * b * m.beta / 4;
     }},
}};

constexpr std::array<Algorithm<AlltoallAlg>, 3> alltoall_rows{{
    {AlltoallAlg::pairwise, "pairwise", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double b = static_cast<double>(q.bytes);
         return (q.p - 1) * (round_cost(m, b) + b * m.beta);
     }},
    // Every message at once: one latency, but the flows share the link.
    {AlltoallAlg::linear, "linear", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double b = static_cast<double>(q.bytes);
         return round_cost(m, b) + (q.p - 1) * (m.msg + 1.5 * b * m.beta);
     }},
    // Half the blocks travel at each of log p rounds, packed and unpacked.
    {AlltoallAlg::bruck, "bruck", "", nullptr,
     [](const CostModel& m, const Query& q) {
         double half = q.p / 2.0 * static_cast<double>(q.bytes);
         return lg(q.p) * (round_cost(m, half) + half * (m.beta + m.beta / 2));
     }},
}};

// The process's selection: its model and forced choices (reload_selection) and the machine.
struct Selection {
    CostModel model;
    std::optional<BcastAlg> bcast;
    std::optional<ReduceAlg> reduce;
    std::optional<AllreduceAlg> allreduce;
    std::optional<AllgatherAlg> allgather;
    std::optional<AlltoallAlg> alltoall;
    bool loaded = false;
};
Selection g_sel;
Machine g_machine;

const Selection& selection() {
    if (!g_sel.loaded) reload_selection();
    return g_sel;
}

}  // namespace

const Table<BcastAlg>& bcast_table() {
    static const Table<BcastAlg> t{"bcast", "EFAMPI_COLL_BCAST", bcast_rows};
    return t;
}
const Table<ReduceAlg>& reduce_table() {
    static const Table<ReduceAlg> t{"reduce", "EFAMPI_COLL_REDUCE", reduce_rows};
    return t;
}
const Table<AllreduceAlg>& allreduce_table() {
    static const Table<AllreduceAlg> t{"allreduce", "EFAMPI_COLL_ALLREDUCE", allreduce_rows};
    return t;
}
const Table<AllgatherAlg>& allgather_table() {
    static const Table<AllgatherAlg> t{"allgather", "EFAMPI_COLL_ALLGATHER", allgather_rows};
    return t;
}
const Table<AlltoallAlg>& alltoall_table() {
    static const Table<AlltoallAlg> t{"alltoall", "EFAMPI_COLL_ALLTOALL", alltoall_rows};
    return t;
}

template <class Alg>
std::optional<Alg> parse(const Table<Alg>& t, std::string_view v) {
    if (v.empty() || v == "auto") return std::nullopt;
    std::string all;
    for (const auto& a : t.algorithms) {
        if (v == a.name) return a.id;
        all += std::string(", ") + a.name;
    }
    throw Error(err_arg, std::string(t.variable) + "=" + std::string(v) +
                             " is not an algorithm (choices: auto" + all + ")");
}
template std::optional<BcastAlg> parse(const Table<BcastAlg>&, std::string_view);
template std::optional<ReduceAlg> parse(const Table<ReduceAlg>&, std::string_view);
template std::optional<AllreduceAlg> parse(const Table<AllreduceAlg>&, std::string_view);
template std::optional<AllgatherAlg> parse(const Table<AllgatherAlg>&, std::string_view);
template std::optional<AlltoallAlg> parse(const Table<AlltoallAlg>&, std::string_view);

namespace {
template <class Alg>
Choices choices(const Table<Alg>& t) {
    Choices c{t.variable, {}};
    for (const auto& a : t.algorithms) c.algorithms.emplace_back(a.name, a.when);
    return c;
}
}  // namespace

std::vector<Choices> all_choices() {
    return {choices(bcast_table()), choices(reduce_table()), choices(allreduce_table()),
            choices(allgather_table()), choices(alltoall_table())};
}

void set_machine(const Machine& m) {
    g_machine = m;
    g_sel.loaded = false;  // the model depends on it
}

void reload_selection() {
    Selection s;
    CostModel& m = s.model;
    m.alpha = static_cast<double>(tunable_int("EFAMPI_COLL_ALPHA_NS")) / 1000.0;
    m.msg = static_cast<double>(tunable_int("EFAMPI_COLL_MSG_NS")) / 1000.0;
    m.beta = 1.0 / static_cast<double>(std::max<int64_t>(1, tunable_int("EFAMPI_COLL_BW_MBS")));
    m.gamma = 1.0 / static_cast<double>(std::max<int64_t>(1, tunable_int("EFAMPI_COLL_REDUCE_MBS")));
    // Oversubscribed, every round waits for a peer to be scheduled: measured at 8 ranks on 2
    // cores, a round of a 1 MiB broadcast costs ~100 us more than its bytes, which makes the
    // trees and the one-round algorithms win. Bytes are copied and combined by cores the
    // ranks share: per rank, ranks / cores times slower.
    if (g_machine.oversubscribed) {
        m.alpha = static_cast<double>(tunable_int("EFAMPI_COLL_ALPHA_OVERSUB_NS")) / 1000.0;
        m.beta *= g_machine.oversubscription;
        m.gamma *= g_machine.oversubscription;
    }
    m.eager = g_machine.eager;
    s.bcast = parse(bcast_table(), tunable_str(bcast_table().variable));
    s.reduce = parse(reduce_table(), tunable_str(reduce_table().variable));
    s.allreduce = parse(allreduce_table(), tunable_str(allreduce_table().variable));
    s.allgather = parse(allgather_table(), tunable_str(allgather_table().variable));
    s.alltoall = parse(alltoall_table(), tunable_str(alltoall_table().variable));
    s.loaded = true;
    g_sel = s;
}

BcastAlg select_bcast(int p, uint64_t n) {
    const Selection& s = selection();
    return choose(bcast_table(), s.model, Query{p, n}, s.bcast);
}

ReduceAlg select_reduce(int p, uint64_t n, bool commutative) {
    const Selection& s = selection();
    return choose(reduce_table(), s.model, Query{p, n, commutative}, s.reduce);
}

AllreduceAlg select_allreduce(int p, uint64_t n, bool commutative) {
    const Selection& s = selection();
    return choose(allreduce_table(), s.model, Query{p, n, commutative}, s.allreduce);
}

AllgatherAlg select_allgather(int p, uint64_t b) {
    const Selection& s = selection();
    return choose(allgather_table(), s.model, Query{p, b}, s.allgather);
}

AlltoallAlg select_alltoall(int p, uint64_t b) {
    const Selection& s = selection();
    return choose(alltoall_table(), s.model, Query{p, b}, s.alltoall);
}

}  // namespace efampi::coll

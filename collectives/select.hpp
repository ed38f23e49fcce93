#pragma once
// Algorithm selection. Each collective with a choice has one table, in the collective's own
// file (bcast.cpp, reduce.cpp, allreduce.cpp, allgather.cpp, alltoall.cpp): per algorithm its
// name (EFAMPI_COLL_<X>=<name>), when it applies, its cost and its builder; build_<x>
// (algorithms.hpp) runs the row its id names. The table is the only place the names are
// written: the EFAMPI_COLL_* parser, `efampi_info` and the simulator's tests read it.
//
// The cost model: a latency term (alpha per round, three times that when the round's messages
// exceed the eager limit: rts, read, fin), a per-message overhead, a bandwidth term (beta per
// byte on the wire) and a reduction term (gamma per byte combined), evaluated per algorithm
// for the communicator size and message size; the cheapest applicable one wins, the earlier
// in the table on a tie. A forced algorithm that does not apply gives way to the table's
// general one (the first that always applies), as its builder would.
//
// choose() is a pure function of its arguments. The select_* wrappers answer for this process:
// the model and the forced choices come from the tunables (EFAMPI_COLL_ALPHA_NS, _MSG_NS,
// _BW_MBS, _REDUCE_MBS, _BCAST, ...) when first needed, and what the pml knows of the host
// (oversubscription, eager limit) from set_machine(), which the runtime calls at MPI_Init.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "collectives/algorithms.hpp"

namespace efampi::coll {

// The machine as the model sees it, in microseconds and bytes.
struct CostModel {
    double alpha = 1.0;        // per round (latency)
    double msg = 0.2;          // per message posted
    double beta = 1.0 / 8000;  // per byte sent (8000 MB/s)
    double gamma = 1.0 / 8000; // per byte reduced
    uint64_t eager = 32768;    // larger messages go by rendezvous (3 trips, not 1)
};

// What a selection is asked. `bytes`: the whole buffer for bcast, reduce and allreduce; one
// rank's block for allgather and alltoall. `count`: elements, where the algorithm cuts the
// vector into a chunk per rank; unknown (the wrappers) counts as enough, and the builder,
// which knows it, asks applies() again.
struct Query {
    int p = 1;
    uint64_t bytes = 0;
    bool commutative = true;
    uint64_t count = UINT64_MAX;
};

// A row's builder takes the collective's arguments of build_<x> (algorithms.hpp), after the
// cases every algorithm shares (one rank, nothing to move) were handled there.
template <class Alg>
struct Builder;
template <>
struct Builder<BcastAlg> {
    using type = void (*)(Schedule&, void* buf, uint64_t bytes, int root);
};
template <>
struct Builder<ReduceAlg> {
    using type = void (*)(Schedule&, const void* send, void* recv, uint64_t count, int root);
};
template <>
struct Builder<AllreduceAlg> {
    using type = void (*)(Schedule&, const void* send, void* recv, uint64_t count);
};
template <>
struct Builder<AllgatherAlg> {
    using type = void (*)(Schedule&, const void* send, void* recv, uint64_t bytes);
};
template <>
struct Builder<AlltoallAlg> {
    using type = void (*)(Schedule&, const void* send, void* recv, uint64_t bytes);
};

template <class Alg>
struct Algorithm {
    Alg id;
    const char* name;                                // what EFAMPI_COLL_<X> says
    const char* when;                                // when it applies, in words; "" always
    bool (*applies)(const Query&);                   // null: always
    double (*cost)(const CostModel&, const Query&);  // microseconds
    typename Builder<Alg>::type build;
};

template <class Alg>
struct Table {
    const char* collective;  // "bcast"
    const char* variable;    // "EFAMPI_COLL_BCAST"
    std::span<const Algorithm<Alg>> algorithms;
};

const Table<BcastAlg>& bcast_table();
const Table<ReduceAlg>& reduce_table();
const Table<AllreduceAlg>& allreduce_table();
const Table<AllgatherAlg>& allgather_table();
const Table<AlltoallAlg>& alltoall_table();

template <class Alg>
const Algorithm<Alg>& entry(const Table<Alg>& t, Alg id) {
    for (const auto& a : t.algorithms)
        if (a.id == id) return a;
    return t.algorithms.front();  // unreachable while every id has a row (tests check it)
}
template <class Alg>
const char* name(const Table<Alg>& t, Alg id) { return entry(t, id).name; }

template <class Alg>
bool applies(const Algorithm<Alg>& a, const Query& q) { return !a.applies || a.applies(q); }

// The general algorithm: the first that always applies.
template <class Alg>
Alg fallback(const Table<Alg>& t) {
    for (const auto& a : t.algorithms)
        if (!a.applies) return a.id;
    return t.algorithms.front().id;
}

// `id` if it applies to q, else the general one (what a builder runs).
template <class Alg>
Alg resolve(const Table<Alg>& t, Alg id, const Query& q) {
    return applies(entry(t, id), q) ? id : fallback(t);
}

// The cheapest applicable algorithm, or `forced` when it applies.
template <class Alg>
Alg choose(const Table<Alg>& t, const CostModel& m, const Query& q,
           std::type_identity_t<std::optional<Alg>> forced = std::nullopt) {
    if (forced) return resolve(t, *forced, q);
    const Algorithm<Alg>* best = nullptr;
    double best_cost = 0;
    for (const auto& a : t.algorithms) {
        if (!applies(a, q)) continue;
        double c = a.cost(m, q);
        if (!best || c < best_cost) best = &a, best_cost = c;
    }
    return best ? best->id : fallback(t);
}

// The algorithm a value of the table's variable names; nullopt for "" and "auto". Anything
// else is an efampi::Error (MPI_ERR_ARG) listing the choices.
template <class Alg>
std::optional<Alg> parse(const Table<Alg>& t, std::string_view value);

// Every table's variable with its algorithms, for efampi_info.
struct Choices {
    const char* variable;
    std::vector<std::pair<const char*, const char*>> algorithms;  // name, when
};
std::vector<Choices> all_choices();

// What the pml knows of this host, given by the runtime at MPI_Init. Oversubscribed (more
// ranks than cores), a round costs EFAMPI_COLL_ALPHA_OVERSUB_NS and copies and reductions
// `oversubscription` times more.
struct Machine {
    bool oversubscribed = false;
    double oversubscription = 1.0;
    uint64_t eager = 32768;
};
void set_machine(const Machine& m);

// This process's model from the tunables and the machine, and its choices.
BcastAlg select_bcast(int p, uint64_t bytes);
ReduceAlg select_reduce(int p, uint64_t bytes, bool commutative);
AllreduceAlg select_allreduce(int p, uint64_t bytes, bool commutative);
AllgatherAlg select_allgather(int p, uint64_t block_bytes);
AlltoallAlg select_alltoall(int p, uint64_t block_bytes);

// Reads the tunables again (tests change the environment).
void reload_selection();

}  // namespace efampi::coll

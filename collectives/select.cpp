#include "collectives/select.hpp"

#include <algorithm>
#include <string>

#include "base/errclass.hpp"
#include "base/error.hpp"
#include "base/tunable.hpp"

namespace efampi::coll {

namespace {

constexpr int err_arg = errc::arg;

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

// The collective schedules in a simulated run inside one process (coll_sim.hpp, issue 6):
// every collective and algorithm at 1..17 ranks and at 31 .. 1024, every root at small sizes,
// in place and not, a commutative and a non-commutative operation, checked against a serial
// reference (coll_sim_cases.hpp). The sweep runs twice: with eager sends, and with rendezvous
// sends (complete only when received) at up to 64 ranks, which no schedule may deadlock under.
// CollSimCounts checks the message and byte counts at 1024 ranks against their formulas and
// prints them as a table for docs/performance.md.
//
// EFAMPI_TEST_SIM_MAX_RANKS caps the sizes: tests/meson.build sets 128 for sanitizer and -O0
// builds, where the full run would take minutes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/unit/coll_sim_cases.hpp"

using namespace efampi::coll;
using sim::Case;
using sim::Model;
using sim::OpKind;

namespace {

// A sweep stops after this many failures (the first ones say it all).
constexpr int kMaxFailures = 8;
bool stop() { return sim::failures() >= kMaxFailures; }

int max_ranks() {
    static const int m = [] {
        const char* e = std::getenv("EFAMPI_TEST_SIM_MAX_RANKS");
        return e && std::atoi(e) > 0 ? std::atoi(e) : 1024;
    }();
    return m;
}

std::vector<int> sizes(Model m) {
    std::vector<int> v;
    for (int p = 1; p <= 17; ++p) v.push_back(p);
    for (int p : {31, 32, 33, 64, 100, 128, 255, 256, 512, 1000, 1024})
        if (m == Model::eager || p <= 64) v.push_back(p);
    v.erase(std::remove_if(v.begin(), v.end(), [](int p) { return p > max_ranks(); }), v.end());
    return v;
}
bool small(int p) { return p <= 17; }
// At 512 ranks and more, an algorithm with O(p^2) messages (rings, pairwise and linear
// all-to-all) runs in one or two representative cases, to keep the run short.
bool huge(int p) { return p >= 512; }

std::vector<int> roots(int p) {
    std::vector<int> v;
    if (small(p)) {
        for (int r = 0; r < p; ++r) v.push_back(r);
    } else {
        v = {0, 1, p / 2, p - 1};
    }
    return v;
}

// Element (or byte) counts: small ones, and ones of at least p so that the chunked algorithms
// (ring, Rabenseifner, scatter + allgather) take their own path, evenly split or not. Below p
// they fall back to the tree or recursive doubling: at large sizes a chunked algorithm runs
// with p + 1 only, the others with small counts only.
std::vector<uint64_t> counts(int p, bool chunked) {
    auto u = static_cast<uint64_t>(p);
    std::vector<uint64_t> v = small(p)  ? std::vector<uint64_t>{0, 1, 2, 3, u, 2 * u + 3}
                              : chunked ? std::vector<uint64_t>{u + 1}
                                        : std::vector<uint64_t>{1, 3};
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// Uneven per-rank counts, about a quarter of them zero.
std::vector<uint64_t> uneven(size_t n, uint64_t seed) {
    std::vector<uint64_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = (i * 7 + seed * 13 + (i * i) % 5) % 4;
    return v;
}

// Every algorithm of each collective's table (collectives/select.hpp): a row added there is
// simulated here without a word changed.
template <class Alg>
std::vector<Alg> ids(const Table<Alg>& t) {
    std::vector<Alg> v;
    for (const auto& a : t.algorithms) v.push_back(a.id);
    return v;
}
const std::vector<BcastAlg> kBcast = ids(bcast_table());
const std::vector<ReduceAlg> kReduce = ids(reduce_table());
const std::vector<AllreduceAlg> kAllreduce = ids(allreduce_table());
const std::vector<AllgatherAlg> kAllgather = ids(allgather_table());
const std::vector<AlltoallAlg> kAlltoall = ids(alltoall_table());
constexpr OpKind kOps[] = {OpKind::sum, OpKind::matmul};

class CollSim : public ::testing::TestWithParam<Model> {
protected:
    void SetUp() override { sim::reset_failures(); }
    Case at(int p) const { return Case{GetParam(), p, nullptr}; }
};

TEST_P(CollSim, Barrier) {
    for (int p : sizes(GetParam())) {
        if (stop()) return;
        sim::check_barrier(at(p));
    }
}

TEST_P(CollSim, Bcast) {
    for (int p : sizes(GetParam()))
        for (BcastAlg alg : kBcast)
            for (uint64_t n : counts(p, alg != BcastAlg::binomial))
                for (int root : roots(p)) {
                    if (stop()) return;
                    if (huge(p) && alg == BcastAlg::scatter_allgather && root != p / 2) continue;
                    sim::check_bcast(at(p), alg, n, root);
                }
}

TEST_P(CollSim, Reduce) {
    for (int p : sizes(GetParam()))
        for (ReduceAlg alg : kReduce)
            for (OpKind op : kOps) {
                // A non-commutative op always takes the binomial tree: once at large sizes.
                bool chunked = alg != ReduceAlg::binomial;
                if (op == OpKind::matmul && chunked && !small(p)) continue;
                for (uint64_t n : counts(p, chunked))
                    for (int root : roots(p))
                        for (bool in_place : {false, true}) {
                            if (stop()) return;
                            sim::check_reduce(at(p), alg, op, n, root, in_place);
                        }
            }
}

TEST_P(CollSim, Allreduce) {
    for (int p : sizes(GetParam()))
        for (AllreduceAlg alg : kAllreduce)
            for (OpKind op : kOps) {
                bool chunked = alg != AllreduceAlg::recursive_doubling;
                if (op == OpKind::matmul && chunked && !small(p)) continue;
                for (uint64_t n : counts(p, chunked))
                    for (bool in_place : {false, true}) {
                        if (stop()) return;
                        if (huge(p) && alg == AllreduceAlg::ring && in_place) continue;
                        sim::check_allreduce(at(p), alg, op, n, in_place);
                    }
            }
}

TEST_P(CollSim, ScanExscan) {
    for (int p : sizes(GetParam()))
        for (OpKind op : kOps)
            for (uint64_t n : counts(p, false))
                for (bool exclusive : {false, true})
                    for (bool in_place : {false, true}) {
                        if (stop()) return;
                        sim::check_scan(at(p), op, n, exclusive, in_place);
                    }
}

TEST_P(CollSim, ReduceScatter) {
    for (int p : sizes(GetParam())) {
        auto n = static_cast<size_t>(p);
        // Uneven counts and in place go together at the largest sizes.
        std::vector<std::vector<uint64_t>> patterns = {std::vector<uint64_t>(n, 1), uneven(n, 1)};
        if (small(p)) {
            patterns.push_back(std::vector<uint64_t>(n, 0));
            patterns.push_back(std::vector<uint64_t>(n, 3));
            patterns.push_back(uneven(n, 2));
        }
        for (OpKind op : kOps)
            for (size_t k = 0; k < patterns.size(); ++k)
                for (bool in_place : {false, true}) {
                    if (stop()) return;
                    if (huge(p) && in_place != (k == 1)) continue;
                    const std::vector<uint64_t>& cnt = patterns[k];
                    sim::check_reduce_scatter(at(p), op, cnt, in_place);
                }
    }
}

TEST_P(CollSim, Allgather) {
    for (int p : sizes(GetParam())) {
        std::vector<uint64_t> blocks =
            huge(p) ? std::vector<uint64_t>{3} : std::vector<uint64_t>{0, 1, 3};
        for (AllgatherAlg alg : kAllgather)
            for (uint64_t n : blocks)
                for (bool in_place : {false, true}) {
                    if (stop()) return;
                    // The ring (and recursive doubling's fallback to it at 1000) once each.
                    if (huge(p) && alg != AllgatherAlg::bruck &&
                        in_place != (alg == AllgatherAlg::recursive_doubling))
                        continue;
                    sim::check_allgather(at(p), alg, n, in_place);
                }
        for (uint64_t seed : {1, 2})
            for (bool reversed : {false, true})
                for (bool in_place : {false, true}) {
                    if (stop()) return;
                    if (huge(p) && (seed != 1 || reversed != in_place)) continue;
                    sim::check_allgatherv(at(p), uneven(static_cast<size_t>(p), seed), reversed,
                                          in_place);
                }
    }
}

TEST_P(CollSim, Alltoall) {
    for (int p : sizes(GetParam())) {
        std::vector<uint64_t> blocks =
            huge(p) ? std::vector<uint64_t>{1} : std::vector<uint64_t>{0, 1, 3};
        for (AlltoallAlg alg : kAlltoall)
            for (uint64_t n : blocks)
                for (bool in_place : {false, true}) {
                    if (stop()) return;
                    // In place, Bruck takes the pairwise exchange; linear runs in place only.
                    if (huge(p) && in_place != (alg == AlltoallAlg::linear)) continue;
                    sim::check_alltoall(at(p), alg, n, in_place);
                }
        auto u = static_cast<size_t>(p);
        std::vector<uint64_t> any(u * u), sym(u * u);
        for (size_t a = 0; a < u; ++a)
            for (size_t b = 0; b < u; ++b) {
                any[a * u + b] = (a * 5 + b * 3 + a * b) % 4;
                size_t lo = std::min(a, b), hi = std::max(a, b);
                sym[a * u + b] = (lo * 5 + hi * 3 + lo * hi) % 4;
            }
        if (stop()) return;
        if (!huge(p)) sim::check_alltoallv(at(p), any, false);
        sim::check_alltoallv(at(p), sym, true);
    }
}

TEST_P(CollSim, GatherScatter) {
    for (int p : sizes(GetParam()))
        for (int root : roots(p)) {
            for (uint64_t n : {0, 1, 3})
                for (bool in_place : {false, true}) {
                    if (stop()) return;
                    sim::check_gather(at(p), n, root, in_place);
                    sim::check_scatter(at(p), n, root, in_place);
                }
            std::vector<uint64_t> v = uneven(static_cast<size_t>(p), static_cast<uint64_t>(root));
            for (bool in_place : {false, true}) {
                if (stop()) return;
                sim::check_gatherv(at(p), v, root, in_place);
                sim::check_scatterv(at(p), v, root, in_place);
            }
        }
}

// The runtime builds every blocking collective into one reused schedule: a build must not
// depend on what the previous one left (steps, reduction, a larger scratch block).
TEST_P(CollSim, SchedulesReusedAcrossCollectives) {
    for (int p : {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33}) {
        std::vector<Schedule> pool;
        Case c{GetParam(), p, nullptr, &pool};
        auto u = static_cast<uint64_t>(p);
        for (uint64_t n : {4 * u + 1, u, uint64_t{1}, 2 * u + 3}) {  // scratch grows and shrinks
            if (stop()) return;
            sim::check_allreduce(c, AllreduceAlg::ring, OpKind::sum, n, false);
            sim::check_reduce(c, ReduceAlg::rabenseifner, OpKind::sum, n, p - 1, true);
            sim::check_allreduce(c, AllreduceAlg::recursive_doubling, OpKind::matmul, n, true);
            sim::check_alltoall(c, AlltoallAlg::bruck, n, false);
            sim::check_scan(c, OpKind::matmul, n, true, false);
            sim::check_barrier(c);
            sim::check_gather(c, n, p / 2, false);
            sim::check_scatter(c, n, p - 1, true);
            sim::check_allgather(c, AllgatherAlg::bruck, n, true);
            sim::check_bcast(c, BcastAlg::scatter_allgather, n, p / 3);
            sim::check_reduce_scatter(c, OpKind::matmul, uneven(static_cast<size_t>(p), n), true);
            sim::check_reduce_scatter(c, OpKind::sum, uneven(static_cast<size_t>(p), n), false);
            sim::check_alltoall(c, AlltoallAlg::pairwise, n, true);
            sim::check_reduce(c, ReduceAlg::binomial, OpKind::matmul, n, p / 2, true);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Models, CollSim, ::testing::Values(Model::eager, Model::rendezvous),
                         [](const ::testing::TestParamInfo<Model>& i) {
                             return std::string(i.param == Model::eager ? "Eager" : "Rendezvous");
                         });

// ---- Message and byte counts at 1024 ranks (and a few at 1000: the non-power-of-two fold).

struct Row {
    std::string coll, alg, data;
    int p;
    sim::Outcome o;
};

class CollSimCounts : public ::testing::Test {
protected:
    void SetUp() override { sim::reset_failures(); }
    void TearDown() override {
        if (rows_.empty()) return;
        std::printf(
            "\n| collective | algorithm | p | per rank | messages | bytes | max msgs/rank |"
            " max rounds | depth |\n|---|---|---|---|---|---|---|---|---|\n");
        for (const Row& r : rows_)
            std::printf("| %s | %s | %d | %s | %llu | %llu | %llu | %zu | %llu |\n", r.coll.c_str(),
                        r.alg.c_str(), r.p, r.data.c_str(),
                        static_cast<unsigned long long>(r.o.messages),
                        static_cast<unsigned long long>(r.o.bytes),
                        static_cast<unsigned long long>(r.o.max_rank_messages), r.o.max_rounds,
                        static_cast<unsigned long long>(r.o.depth));
        std::printf(
            "(depth: message latencies on the critical path, every round's messages "
            "leaving together)\n");
    }
    // Runs `check` at p ranks and keeps its counts as a row of the table.
    template <class F>
    const sim::Outcome& row(const char* coll, const char* alg, std::string data, int p, F&& check) {
        rows_.push_back({coll, alg, std::move(data), p, {}});
        Row& r = rows_.back();
        EXPECT_TRUE(check(Case{Model::eager, p, &r.o})) << coll << " " << alg;
        return r.o;
    }
    std::vector<Row> rows_ = std::vector<Row>();

public:
    CollSimCounts() { rows_.reserve(64); }  // rows stay put: row() returns references into them
};

TEST_F(CollSimCounts, At1024) {
    if (max_ranks() < 1024)
        GTEST_SKIP() << "EFAMPI_TEST_SIM_MAX_RANKS=" << max_ranks()
                     << " (a sanitizer or -O0 build, where 1024 ranks take minutes)";
    constexpr int p = 1024;
    constexpr uint64_t P = p, L = 10;  // log2 p
    constexpr uint64_t n = 8 * P;      // a vector of p int64 (sum), 8 KiB: chunks split evenly
    constexpr uint64_t b = 8;          // block per rank of the data-movement collectives

    const sim::Outcome* o = &row("barrier", "dissemination", "0 B", p,
                                 [](const Case& c) { return sim::check_barrier(c); });
    EXPECT_EQ(P * L, o->messages);  // ceil(log2 p) per rank
    EXPECT_EQ(L, o->max_rank_messages);
    EXPECT_EQ(0u, o->bytes);
    EXPECT_EQ(L, o->depth);

    for (BcastAlg alg : kBcast) {
        o = &row("bcast", sim::name(alg), "8 KiB", p,
                 [&](const Case& c) { return sim::check_bcast(c, alg, n, 0); });
        if (alg == BcastAlg::binomial) {
            EXPECT_EQ(P - 1, o->messages);  // one per non-root
            EXPECT_EQ((P - 1) * n, o->bytes);
            EXPECT_EQ(L, o->depth);
        } else {  // binomial scatter (p - 1 messages, (log2 p)/2 * n bytes), then p - 1 ring steps
            EXPECT_EQ(P - 1 + P * (P - 1), o->messages);
            EXPECT_EQ(L * n / 2 + (P - 1) * n, o->bytes);
            EXPECT_EQ(L + P - 1, o->depth);
        }
    }

    for (ReduceAlg alg : kReduce) {
        o = &row("reduce", sim::name(alg), "8 KiB", p, [&](const Case& c) {
            return sim::check_reduce(c, alg, OpKind::sum, P, 0, false);
        });
        if (alg == ReduceAlg::binomial) {
            EXPECT_EQ(P - 1, o->messages);
            EXPECT_EQ((P - 1) * n, o->bytes);
            EXPECT_EQ(L, o->depth);
        } else {  // recursive halving (n (1 - 1/p) per rank), then a chunk per rank to the root
            EXPECT_EQ(P * L + P - 1, o->messages);
            EXPECT_EQ((P - 1) * n + (P - 1) * n / P, o->bytes);
            EXPECT_EQ(L + 1, o->depth);
        }
    }
    o = &row("reduce", "binomial (matmul, root p-1)", "32 B", p, [&](const Case& c) {
        return sim::check_reduce(c, ReduceAlg::binomial, OpKind::matmul, 1, p - 1, false);
    });
    EXPECT_EQ(P, o->messages);  // the tree at rank 0, then the result to the root
    EXPECT_EQ(L + 1, o->depth);

    for (AllreduceAlg alg : kAllreduce) {
        o = &row("allreduce", sim::name(alg), "8 KiB", p, [&](const Case& c) {
            return sim::check_allreduce(c, alg, OpKind::sum, P, false);
        });
        switch (alg) {
        case AllreduceAlg::recursive_doubling:
            EXPECT_EQ(L, o->max_rank_messages);  // log2 p per rank, the whole vector each
            EXPECT_EQ(P * L, o->messages);
            EXPECT_EQ(P * L * n, o->bytes);
            EXPECT_EQ(L, o->depth);
            break;
        case AllreduceAlg::ring:
            EXPECT_EQ(2 * (P - 1), o->max_rank_messages);  // 2 (p - 1) chunks of n / p per rank
            EXPECT_EQ(2 * P * (P - 1), o->messages);
            EXPECT_EQ(2 * (P - 1) * n, o->bytes);
            EXPECT_EQ(2 * (P - 1), o->depth);
            break;
        case AllreduceAlg::rabenseifner:
            EXPECT_EQ(2 * L, o->max_rank_messages);  // halving then doubling: 2 n (1 - 1/p)
            EXPECT_EQ(2 * P * L, o->messages);
            EXPECT_EQ(2 * (P - 1) * n, o->bytes);
            EXPECT_EQ(2 * L, o->depth);
            break;
        }
    }

    for (AllgatherAlg alg : kAllgather) {
        o = &row("allgather", sim::name(alg), "8 B", p,
                 [&](const Case& c) { return sim::check_allgather(c, alg, b, false); });
        uint64_t per_rank = alg == AllgatherAlg::ring ? P - 1 : L;
        EXPECT_EQ(per_rank, o->max_rank_messages);
        EXPECT_EQ(P * per_rank, o->messages);
        EXPECT_EQ(P * (P - 1) * b, o->bytes);  // every rank gets every other block once
        EXPECT_EQ(per_rank, o->depth);
    }
    o = &row("allgatherv", "ring", "8 B", p, [&](const Case& c) {
        return sim::check_allgatherv(c, std::vector<uint64_t>(P, b), false, false);
    });
    EXPECT_EQ(P * (P - 1), o->messages);
    EXPECT_EQ(P * (P - 1) * b, o->bytes);

    for (AlltoallAlg alg : kAlltoall) {
        o = &row("alltoall", sim::name(alg), "8 B x p", p,
                 [&](const Case& c) { return sim::check_alltoall(c, alg, b, false); });
        if (alg == AlltoallAlg::bruck) {  // log2 p rounds of p/2 packed blocks
            EXPECT_EQ(P * L, o->messages);
            EXPECT_EQ(P * L * (P / 2) * b, o->bytes);
            EXPECT_EQ(L, o->depth);
        } else {
            EXPECT_EQ(P * (P - 1), o->messages);
            EXPECT_EQ(P * (P - 1) * b, o->bytes);
            EXPECT_EQ(alg == AlltoallAlg::linear ? 1 : P - 1, o->depth);
        }
    }
    o = &row("alltoallv", "linear", "8 B x p", p, [&](const Case& c) {
        return sim::check_alltoallv(c, std::vector<uint64_t>(P * P, b), false);
    });
    EXPECT_EQ(P * (P - 1), o->messages);
    EXPECT_EQ(P * (P - 1) * b, o->bytes);
    EXPECT_EQ(1u, o->depth);

    // Binomial trees: p - 1 messages; a subtree of 2^k ranks moves 2^k blocks.
    o = &row("gather", "binomial", "8 B", p,
             [&](const Case& c) { return sim::check_gather(c, b, 0, false); });
    EXPECT_EQ(P - 1, o->messages);
    EXPECT_EQ(L * P / 2 * b, o->bytes);
    EXPECT_EQ(L, o->depth);
    o = &row("scatter", "binomial", "8 B", p,
             [&](const Case& c) { return sim::check_scatter(c, b, 0, false); });
    EXPECT_EQ(P - 1, o->messages);
    EXPECT_EQ(L * P / 2 * b, o->bytes);
    EXPECT_EQ(L, o->depth);
    o = &row("gatherv", "linear", "8 B", p, [&](const Case& c) {
        return sim::check_gatherv(c, std::vector<uint64_t>(P, b), 0, false);
    });
    EXPECT_EQ(P - 1, o->messages);
    EXPECT_EQ((P - 1) * b, o->bytes);
    o = &row("scatterv", "linear", "8 B", p, [&](const Case& c) {
        return sim::check_scatterv(c, std::vector<uint64_t>(P, b), 0, false);
    });
    EXPECT_EQ(P - 1, o->messages);
    EXPECT_EQ((P - 1) * b, o->bytes);

    for (bool exclusive : {false, true}) {
        o = &row(
            exclusive ? "exscan" : "scan", "recursive_doubling", "8 KiB", p,
            [&](const Case& c) { return sim::check_scan(c, OpKind::sum, P, exclusive, false); });
        EXPECT_EQ(P * L, o->messages);
        EXPECT_EQ(P * L * n, o->bytes);
        EXPECT_EQ(L, o->depth);
    }

    o = &row("reduce_scatter", "ring (sum)", "8 KiB", p, [&](const Case& c) {
        return sim::check_reduce_scatter(c, OpKind::sum, std::vector<uint64_t>(P, 1), false);
    });
    EXPECT_EQ(P * (P - 1), o->messages);  // p - 1 blocks per rank
    EXPECT_EQ((P - 1) * n, o->bytes);
    EXPECT_EQ(P - 1, o->depth);
    o = &row("reduce_scatter", "binomial + linear (matmul)", "32 KiB", p, [&](const Case& c) {
        return sim::check_reduce_scatter(c, OpKind::matmul, std::vector<uint64_t>(P, 1), false);
    });
    EXPECT_EQ(2 * (P - 1), o->messages);  // the whole vector up the tree, a block to each rank
    EXPECT_EQ((P - 1) * 32 * P + (P - 1) * 32, o->bytes);
    EXPECT_EQ(L + 1, o->depth);

    // 1000 ranks: 488 ranks fold into their neighbours (p2 = 512), then 9 doubling steps.
    constexpr int q = 1000;
    constexpr uint64_t Q = q, rem = 488, p2 = 512;
    o = &row("barrier", "dissemination", "0 B", q,
             [](const Case& c) { return sim::check_barrier(c); });
    EXPECT_EQ(Q * L, o->messages);
    o = &row("allreduce", "recursive_doubling", "8 KiB", q, [&](const Case& c) {
        return sim::check_allreduce(c, AllreduceAlg::recursive_doubling, OpKind::sum, 1024, false);
    });
    EXPECT_EQ(2 * rem + p2 * 9, o->messages);
    EXPECT_EQ((2 * rem + p2 * 9) * n, o->bytes);
    EXPECT_EQ(11u, o->depth);
    o = &row("allgather", "bruck", "8 B", q,
             [&](const Case& c) { return sim::check_allgather(c, AllgatherAlg::bruck, b, false); });
    EXPECT_EQ(Q * L, o->messages);
    EXPECT_EQ(Q * (Q - 1) * b, o->bytes);
}

// ---- The simulator itself catches what it claims to.

std::vector<Schedule> ranks(int p, int tag = 9) {
    std::vector<Schedule> s(static_cast<size_t>(p));
    for (int r = 0; r < p; ++r) s[static_cast<size_t>(r)].reset(CommView{1, r, p, nullptr}, tag);
    return s;
}

TEST(CollSimEngine, SizeMismatchIsAnError) {
    auto s = ranks(2);
    uint8_t a[8] = {}, b[8];
    s[0].send(1, a, 8);
    s[0].end_round();
    s[1].recv(0, b, 4);
    s[1].end_round();
    std::string e = sim::run(s).error;
    EXPECT_NE(std::string::npos, e.find("rank 1 round 0: a receive of 4 bytes from rank 0 got a "
                                        "message of 8 bytes"))
        << e;
}

TEST(CollSimEngine, DeadlockSaysWhereEachRankIs) {
    auto s = ranks(2);
    uint8_t a[4] = {}, b[4];
    for (int r = 0; r < 2; ++r) {
        s[static_cast<size_t>(r)].recv(1 - r, b, 4);
        s[static_cast<size_t>(r)].end_round();
        s[static_cast<size_t>(r)].send(1 - r, a, 4);
        s[static_cast<size_t>(r)].end_round();
    }
    std::string e = sim::run(s).error;
    EXPECT_NE(std::string::npos, e.find("deadlock: 2 of 2 ranks")) << e;
    EXPECT_NE(std::string::npos, e.find("rank 1 in round 0 of 2: waits for 4 bytes from 0")) << e;
}

TEST(CollSimEngine, StrayMessageIsAnError) {
    auto s = ranks(2);
    uint8_t a[4] = {};
    s[0].send(1, a, 4);
    s[0].end_round();
    std::string e = sim::run(s).error;
    EXPECT_NE(std::string::npos, e.find("1 stray messages")) << e;
    EXPECT_NE(std::string::npos, e.find("4 bytes from 0 to 1")) << e;
}

TEST(CollSimEngine, OtherTagDoesNotMatch) {
    auto s = ranks(2);
    s[1].reset(CommView{1, 1, 2, nullptr}, 10);
    uint8_t a[4] = {}, b[4];
    s[0].send(1, a, 4);
    s[0].end_round();
    s[1].recv(0, b, 4);
    s[1].end_round();
    EXPECT_NE(std::string::npos, sim::run(s).error.find("deadlock"));
}

// A swap whose receives come a round after the sends works only if the transport buffers.
TEST(CollSimEngine, RendezvousSendsWaitForTheReceiver) {
    uint8_t a[2][4] = {{1, 2, 3, 4}, {5, 6, 7, 8}}, b[2][4] = {};
    for (Model m : {Model::eager, Model::rendezvous}) {
        auto s = ranks(2);
        for (int r = 0; r < 2; ++r) {
            s[static_cast<size_t>(r)].send(1 - r, a[r], 4);
            s[static_cast<size_t>(r)].end_round();
            s[static_cast<size_t>(r)].recv(1 - r, b[r], 4);
            s[static_cast<size_t>(r)].end_round();
        }
        std::string e = sim::run(s, {m, false}).error;
        if (m == Model::eager) {
            EXPECT_EQ("", e);
            EXPECT_EQ(0, std::memcmp(b[0], a[1], 4));
        } else {
            EXPECT_NE(std::string::npos, e.find("1 sends not yet received")) << e;
        }
    }
}

TEST(CollSimEngine, MessagesBetweenAPairKeepTheirOrder) {
    auto s = ranks(3);
    uint8_t a[2] = {1, 2}, c = 0, got[2] = {};
    s[0].send(1, &a[0], 1);
    s[0].send(1, &a[1], 1);
    s[0].end_round();
    s[1].recv(0, &got[0], 1);
    s[1].recv(0, &got[1], 1);
    s[1].send(2, &got[1], 1);
    s[1].end_round();  // the send reads got[1] before the receive writes it: a hazard
    EXPECT_NE("", sim::check_schedule(s[1], {{got, 2, true}}));
    s[1].reset(CommView{1, 1, 3, nullptr}, 9);
    s[1].recv(0, &got[0], 1);
    s[1].recv(0, &got[1], 1);
    s[1].end_round();
    s[1].send(2, &got[1], 1);
    s[1].end_round();
    s[2].recv(1, &c, 1);
    s[2].end_round();
    sim::Outcome o = sim::run(s);
    EXPECT_EQ("", o.error);
    EXPECT_EQ(1, got[0]);
    EXPECT_EQ(2, got[1]);
    EXPECT_EQ(2, c);
    EXPECT_EQ(3u, o.messages);
    EXPECT_EQ(2u, o.depth);  // 0 -> 1 -> 2
    EXPECT_EQ(2u, o.max_rank_messages);
}

TEST(CollSimEngine, StaticChecks) {
    uint8_t in[16] = {}, out[16] = {};
    std::vector<sim::Region> regions = {{in, 16, false}, {out, 16, true}};
    Schedule s;
    s.reset(CommView{1, 0, 2, nullptr}, 9);
    s.recv(1, in, 4);
    s.end_round();
    EXPECT_NE(std::string::npos, sim::check_schedule(s, regions).find("read-only"));
    s.reset(CommView{1, 0, 2, nullptr}, 9);
    s.recv(1, out + 14, 4);
    s.end_round();
    EXPECT_NE(std::string::npos, sim::check_schedule(s, regions).find("outside every buffer"));
    s.reset(CommView{1, 0, 2, nullptr}, 9);
    s.send(1, nullptr, 4);
    s.end_round();
    EXPECT_NE(std::string::npos, sim::check_schedule(s, regions).find("null buffer"));
    s.reset(CommView{1, 0, 2, nullptr}, 9);
    s.send(2, in, 4);
    s.end_round();
    EXPECT_NE(std::string::npos,
              sim::check_schedule(s, regions).find("(peer 2) has a peer outside"));
    s.reset(CommView{1, 0, 2, nullptr}, 9);
    s.recv(1, out, 8);
    s.recv(1, out + 4, 8);
    s.end_round();
    EXPECT_NE(std::string::npos, sim::check_schedule(s, regions).find("overlaps"));
    s.reset(CommView{1, 0, 2, nullptr}, 9);
    uint8_t* a = s.scratch(8);
    s.copy(in, a, 8);
    s.scratch(64);
    s.end_round();
    EXPECT_NE(std::string::npos, sim::check_schedule(s, regions).find("scratch() taken 2 times"));
    s.reset(CommView{1, 0, 2, nullptr}, 9);
    a = s.scratch(64);
    s.copy(in, a + 8, 16);
    s.send(1, in, 16);  // sends may share a buffer
    s.send(1, in, 8);
    s.recv(1, out, 16);
    s.end_round();
    EXPECT_EQ("", sim::check_schedule(s, regions));
}

TEST(CollSimEngine, MatmulIsNotCommutative) {
    Reduction m = sim::reduction(OpKind::matmul);
    int64_t x[4] = {1, 2, 3, 4}, y[4] = {5, 6, 7, 8}, xy[4], yx[4];
    std::memcpy(xy, y, sizeof y);
    m.apply(x, xy, 1);  // x * y
    std::memcpy(yx, x, sizeof x);
    m.apply(y, yx, 1);  // y * x
    EXPECT_EQ((std::vector<int64_t>{19, 22, 43, 50}), std::vector<int64_t>(xy, xy + 4));
    EXPECT_EQ((std::vector<int64_t>{23, 34, 31, 46}), std::vector<int64_t>(yx, yx + 4));
}

}  // namespace

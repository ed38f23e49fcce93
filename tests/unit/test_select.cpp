// Collective algorithm selection (collectives/select.hpp): the tables, the EFAMPI_COLL_* parser,
// and the choice of the default cost model on both sides of each crossover. The crossovers are
// the model's, worked out by hand from its formulas and pinned here to the byte: a change to a
// cost, a table's order or the tie rule moves one and fails its row, which then says which
// algorithm was expected where. A model changed on purpose updates these rows with it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>

#include "base/error.hpp"
#include "collectives/select.hpp"

using namespace efampi;
using namespace efampi::coll;

namespace {

const CostModel kModel;  // the defaults: alpha 1 us, 0.2 us a message, 8000 MB/s, eager 32 KiB

// At `below` bytes the model picks `a`, one byte more it picks `b`.
template <class Alg>
void crossover(const Table<Alg>& t, int p, uint64_t below, Alg a, Alg b, bool comm = true) {
    SCOPED_TRACE(std::string(t.collective) + " at " + std::to_string(p) + " ranks, " +
                 std::to_string(below) + " | " + std::to_string(below + 1) + " bytes");
    EXPECT_STREQ(name(t, a), name(t, choose(t, kModel, Query{p, below, comm})));
    EXPECT_STREQ(name(t, b), name(t, choose(t, kModel, Query{p, below + 1, comm})));
}

template <class Alg>
void check_table(const Table<Alg>& t) {
    SCOPED_TRACE(t.collective);
    std::set<std::string> names;
    std::set<int> ids;
    bool general = false;
    for (const auto& a : t.algorithms) {
        EXPECT_TRUE(names.insert(a.name).second) << "name twice: " << a.name;
        EXPECT_TRUE(ids.insert(static_cast<int>(a.id)).second) << "id twice: " << a.name;
        EXPECT_NE(nullptr, a.cost) << a.name;
        EXPECT_NE(nullptr, a.build) << a.name;  // which one: coll_sim's counts tell
        EXPECT_EQ(a.applies == nullptr, a.when[0] == '\0') << a.name << ": says when or not";
        general |= a.applies == nullptr;
        // Every name parses to its own row, whatever the enum's order.
        auto parsed = parse(t, a.name);
        ASSERT_TRUE(parsed.has_value()) << a.name;
        EXPECT_EQ(a.id, *parsed) << a.name;
    }
    EXPECT_TRUE(general) << "no algorithm that always applies to fall back to";
    EXPECT_FALSE(parse(t, "auto").has_value());
    EXPECT_FALSE(parse(t, "").has_value());
}

}  // namespace

TEST(Select, TablesAreWellFormed) {
    check_table(bcast_table());
    check_table(reduce_table());
    check_table(allreduce_table());
    check_table(allgather_table());
    check_table(alltoall_table());
    // Every id of each enum has a row (a row missing would make entry() answer the first).
    EXPECT_EQ(2u, bcast_table().algorithms.size());
    EXPECT_EQ(2u, reduce_table().algorithms.size());
    EXPECT_EQ(3u, allreduce_table().algorithms.size());
    EXPECT_EQ(3u, allgather_table().algorithms.size());
    EXPECT_EQ(3u, alltoall_table().algorithms.size());
}

TEST(Select, UnknownNameListsTheChoices) {
    try {
        parse(allreduce_table(), "rign");
        FAIL() << "no error";
    } catch (const Error& e) {
        const std::string& what = e.msg;
        EXPECT_NE(std::string::npos, what.find("EFAMPI_COLL_ALLREDUCE=rign")) << what;
        EXPECT_NE(std::string::npos,
                  what.find("auto, recursive_doubling, rabenseifner, ring")) << what;
    }
}

TEST(Select, ChoicesForTheInfoTool) {
    auto all = all_choices();
    ASSERT_EQ(5u, all.size());
    EXPECT_STREQ("EFAMPI_COLL_BCAST", all[0].variable);
    ASSERT_EQ(2u, all[0].algorithms.size());
    EXPECT_STREQ("scatter_allgather", all[0].algorithms[1].first);
}

TEST(Select, Bcast) {
    const auto& t = bcast_table();
    crossover(t, 8, 32768, BcastAlg::binomial, BcastAlg::scatter_allgather);
    crossover(t, 1024, 1207305, BcastAlg::binomial, BcastAlg::scatter_allgather);
    // At 2 ranks the halves go by rendezvous past twice the eager limit: back to the tree.
    crossover(t, 2, 65536, BcastAlg::scatter_allgather, BcastAlg::binomial);
    // Scatter needs a byte per rank, even when forced.
    EXPECT_EQ(BcastAlg::binomial, choose(t, kModel, Query{1024, 1000}, BcastAlg::scatter_allgather));
    EXPECT_EQ(BcastAlg::scatter_allgather,
              choose(t, kModel, Query{1024, 1024}, BcastAlg::scatter_allgather));
}

TEST(Select, Reduce) {
    const auto& t = reduce_table();
    crossover(t, 8, 6162, ReduceAlg::binomial, ReduceAlg::rabenseifner);
    crossover(t, 1024, 96830, ReduceAlg::binomial, ReduceAlg::rabenseifner);
    // Non-commutative: always the ordered tree, forced or not.
    EXPECT_EQ(ReduceAlg::binomial, choose(t, kModel, Query{8, 1 << 24, false}));
    EXPECT_EQ(ReduceAlg::binomial,
              choose(t, kModel, Query{8, 1 << 24, false}, ReduceAlg::rabenseifner));
    // Fewer elements than ranks: no chunk per rank.
    EXPECT_EQ(ReduceAlg::binomial, resolve(t, ReduceAlg::rabenseifner, Query{8, 56, true, 7}));
    EXPECT_EQ(ReduceAlg::rabenseifner, resolve(t, ReduceAlg::rabenseifner, Query{8, 64, true, 8}));
}

TEST(Select, Allreduce) {
    const auto& t = allreduce_table();
    crossover(t, 4, 10971, AllreduceAlg::recursive_doubling, AllreduceAlg::rabenseifner);
    crossover(t, 4, 65536, AllreduceAlg::rabenseifner, AllreduceAlg::ring);
    crossover(t, 4, 131072, AllreduceAlg::ring, AllreduceAlg::rabenseifner);
    crossover(t, 3, 3200, AllreduceAlg::recursive_doubling, AllreduceAlg::ring);
    crossover(t, 100, 514133, AllreduceAlg::rabenseifner, AllreduceAlg::ring);
    crossover(t, 1024, 5646, AllreduceAlg::recursive_doubling, AllreduceAlg::rabenseifner);
    EXPECT_EQ(AllreduceAlg::recursive_doubling, choose(t, kModel, Query{4, 1 << 24, false}));
    EXPECT_EQ(AllreduceAlg::recursive_doubling,
              choose(t, kModel, Query{4, 1 << 24, false}, AllreduceAlg::ring));
    EXPECT_EQ(AllreduceAlg::ring, choose(t, kModel, Query{4, 8, true}, AllreduceAlg::ring));
    EXPECT_EQ(AllreduceAlg::recursive_doubling,
              resolve(t, AllreduceAlg::ring, Query{4, 24, true, 3}));
}

TEST(Select, Allgather) {
    const auto& t = allgather_table();
    crossover(t, 8, 8192, AllgatherAlg::recursive_doubling, AllgatherAlg::ring);
    crossover(t, 8, 32768, AllgatherAlg::ring, AllgatherAlg::recursive_doubling);
    crossover(t, 100, 15423, AllgatherAlg::bruck, AllgatherAlg::ring);
    crossover(t, 100, 32768, AllgatherAlg::ring, AllgatherAlg::bruck);
    crossover(t, 100, 47103, AllgatherAlg::bruck, AllgatherAlg::ring);
    // Recursive doubling only at powers of two; forced elsewhere, the ring.
    EXPECT_EQ(AllgatherAlg::ring, choose(t, kModel, Query{3, 8}));
    EXPECT_EQ(AllgatherAlg::ring,
              choose(t, kModel, Query{100, 8}, AllgatherAlg::recursive_doubling));
}

TEST(Select, Alltoall) {
    const auto& t = alltoall_table();
    crossover(t, 64, 272, AlltoallAlg::bruck, AlltoallAlg::linear);
    crossover(t, 64, 15695, AlltoallAlg::linear, AlltoallAlg::pairwise);
    crossover(t, 64, 32768, AlltoallAlg::pairwise, AlltoallAlg::linear);
    crossover(t, 64, 47187, AlltoallAlg::linear, AlltoallAlg::pairwise);
    crossover(t, 8, 13257, AlltoallAlg::linear, AlltoallAlg::pairwise);
    EXPECT_EQ(AlltoallAlg::bruck, choose(t, kModel, Query{64, 1 << 20}, AlltoallAlg::bruck));
}

// The process's wrappers read the variables: a forced name wins, an unknown one is an error.
TEST(Select, WrappersFollowTheEnvironment) {
    setenv("EFAMPI_COLL_ALLGATHER", "bruck", 1);
    reload_selection();
    EXPECT_EQ(AllgatherAlg::bruck, select_allgather(8, 8));
    setenv("EFAMPI_COLL_ALLGATHER", "nonsense", 1);
    EXPECT_THROW(reload_selection(), Error);
    unsetenv("EFAMPI_COLL_ALLGATHER");
    reload_selection();
    EXPECT_EQ(AllgatherAlg::recursive_doubling, select_allgather(8, 8));
}

// Conformance, groups and communicators (MPI 4.1 chapter 7) and virtual topologies (chapter
// 8): empty results are MPI_GROUP_EMPTY itself, MPI_Dims_create as balanced as possible
// (checked against a brute-force search for every size up to 10,000 in 2 to 4 dimensions),
// size-1 and empty communicators, frees in any order. Bodies work at any size.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::all_true;
using efampi::test::error_class;
using efampi::test::rank;
using efampi::test::size;

namespace {

class Conformance : public ::testing::Test {
protected:
    void SetUp() override {
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_group(MPI_COMM_WORLD, &world));
    }
    void TearDown() override {
        MPI_Group_free(&world);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    }
    MPI_Group world = MPI_GROUP_NULL;
};
class EmptyGroup : public Conformance {};
class DimsCreate : public Conformance {};
class Communicators : public Conformance {};
class Topologies : public Conformance {};
class InfoObjects : public Conformance {};

std::vector<int> all_ranks() {
    std::vector<int> v(static_cast<size_t>(size()));
    for (int i = 0; i < size(); ++i) v[static_cast<size_t>(i)] = i;
    return v;
}

// ---------------------------------------------------------------------------------------------
// Empty results are MPI_GROUP_EMPTY (MPI 4.1 §7.3.2), and freeing it is allowed.

TEST_F(EmptyGroup, EveryConstructorReturnsTheHandleItself) {
    std::vector<int> every = all_ranks();
    MPI_Group g = MPI_GROUP_NULL;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_excl(world, size(), every.data(), &g));
    EXPECT_EQ(MPI_GROUP_EMPTY, g) << "Group_excl of every rank";
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&g));
    EXPECT_EQ(MPI_GROUP_NULL, g);

    ASSERT_EQ(MPI_SUCCESS, MPI_Group_incl(world, 0, nullptr, &g));
    EXPECT_EQ(MPI_GROUP_EMPTY, g) << "Group_incl of none";
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&g));

    ASSERT_EQ(MPI_SUCCESS, MPI_Group_difference(world, world, &g));
    EXPECT_EQ(MPI_GROUP_EMPTY, g) << "Group_difference with itself";
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&g));

    ASSERT_EQ(MPI_SUCCESS, MPI_Group_intersection(world, MPI_GROUP_EMPTY, &g));
    EXPECT_EQ(MPI_GROUP_EMPTY, g) << "Group_intersection with the empty group";
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&g));

    ASSERT_EQ(MPI_SUCCESS, MPI_Group_union(MPI_GROUP_EMPTY, MPI_GROUP_EMPTY, &g));
    EXPECT_EQ(MPI_GROUP_EMPTY, g) << "Group_union of two empty groups";
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&g));

    int range[1][3] = {{0, size() - 1, 1}};
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_range_excl(world, 1, range, &g));
    EXPECT_EQ(MPI_GROUP_EMPTY, g) << "Group_range_excl of every rank";
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&g));

    ASSERT_EQ(MPI_SUCCESS, MPI_Group_range_incl(world, 0, nullptr, &g));
    EXPECT_EQ(MPI_GROUP_EMPTY, g) << "Group_range_incl of no range";
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&g));

    // A non-empty result is still a group of its own.
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_union(world, MPI_GROUP_EMPTY, &g));
    EXPECT_NE(MPI_GROUP_EMPTY, g);
    int cmp = -1;
    MPI_Group_compare(g, world, &cmp);
    EXPECT_EQ(MPI_IDENT, cmp);
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&g));
}

TEST_F(EmptyGroup, DisjointIntersectionAndSubsetDifference) {
    if (size() < 2) GTEST_SKIP() << "needs two disjoint non-empty groups (2 ranks)";
    std::vector<int> evens, odds;
    for (int r = 0; r < size(); ++r) (r % 2 ? odds : evens).push_back(r);
    MPI_Group e, o, g;
    MPI_Group_incl(world, static_cast<int>(evens.size()), evens.data(), &e);
    MPI_Group_incl(world, static_cast<int>(odds.size()), odds.data(), &o);
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_intersection(e, o, &g));
    EXPECT_EQ(MPI_GROUP_EMPTY, g);
    MPI_Group_free(&g);
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_difference(e, world, &g));
    EXPECT_EQ(MPI_GROUP_EMPTY, g);
    MPI_Group_free(&g);
    // Freed in another order than made.
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&o));
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&e));
}

TEST_F(EmptyGroup, CommunicatorOfTheEmptyGroup) {
    MPI_Comm c = MPI_COMM_WORLD;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_create(MPI_COMM_WORLD, MPI_GROUP_EMPTY, &c));
    EXPECT_EQ(MPI_COMM_NULL, c);
    // The group of a communicator is never MPI_GROUP_EMPTY; MPI_GROUP_EMPTY's queries work.
    int n = -1, r = -1;
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_size(MPI_GROUP_EMPTY, &n));
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_rank(MPI_GROUP_EMPTY, &r));
    EXPECT_EQ(0, n);
    EXPECT_EQ(MPI_UNDEFINED, r);
}

// Still errors: a null or stale group, and freeing MPI_GROUP_NULL.
TEST_F(EmptyGroup, BadGroupsStillErrors) {
    MPI_Group g = MPI_GROUP_NULL;
    EXPECT_EQ(MPI_ERR_GROUP, error_class(MPI_Group_free(&g)));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_incl(world, 1, std::vector<int>{0}.data(), &g));
    MPI_Group stale = g;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_free(&g));
    EXPECT_EQ(MPI_ERR_GROUP, error_class(MPI_Group_free(&stale)));
    int bad = size();
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Group_incl(world, 1, &bad, &g)));
}

// ---------------------------------------------------------------------------------------------
// MPI_Dims_create (MPI 4.1 §8.5.2): "as close to each other as possible", non-increasing.

// The reference, by brute force: every non-increasing factorization of n into k factors; the
// best has the smallest spread (largest - smallest), then the lexicographically smallest.
void all_factorizations(int left, int k, int cap, std::vector<int>& cur,
                        std::vector<std::vector<int>>& out) {
    if (k == 0) {
        if (left == 1) out.push_back(cur);
        return;
    }
    for (int d = 1; d <= std::min(left, cap); ++d) {
        if (left % d) continue;
        cur.push_back(d);
        all_factorizations(left / d, k - 1, d, cur, out);
        cur.pop_back();
    }
}

std::vector<int> reference_dims(int n, int k) {
    std::vector<std::vector<int>> all;
    std::vector<int> cur;
    all_factorizations(n, k, n, cur, all);
    std::vector<int> best;
    for (const auto& f : all) {
        if (best.empty()) {
            best = f;
            continue;
        }
        int s = f.front() - f.back(), bs = best.front() - best.back();
        if (s < bs || (s == bs && f < best)) best = f;
    }
    return best;
}

std::vector<int> dims_of(int nnodes, std::vector<int> dims) {
    EXPECT_EQ(MPI_SUCCESS, MPI_Dims_create(nnodes, static_cast<int>(dims.size()), dims.data()));
    return dims;
}

TEST_F(DimsCreate, LiteralAnswers) {
    EXPECT_EQ((std::vector<int>{9, 8}), dims_of(72, {0, 0}));
    EXPECT_EQ((std::vector<int>{15, 12}), dims_of(180, {0, 0}));
    EXPECT_EQ((std::vector<int>{3, 2}), dims_of(6, {0, 0}));  // the standard's examples
    EXPECT_EQ((std::vector<int>{7, 1}), dims_of(7, {0, 0}));
    EXPECT_EQ((std::vector<int>{2, 3, 1}), dims_of(6, {0, 3, 0}));
    EXPECT_EQ((std::vector<int>{5, 4, 4}), dims_of(80, {0, 0, 0}));
    EXPECT_EQ((std::vector<int>{4, 3, 2}), dims_of(24, {0, 3, 0}));
    EXPECT_EQ((std::vector<int>{1, 1}), dims_of(1, {0, 0}));
    int d[3] = {0, 3, 0};
    EXPECT_EQ(MPI_ERR_DIMS, error_class(MPI_Dims_create(7, 3, d)));  // 3 does not divide 7
    int neg[2] = {-1, 0};
    EXPECT_EQ(MPI_ERR_DIMS, error_class(MPI_Dims_create(4, 2, neg)));
}

TEST_F(DimsCreate, EverySizeUpTo10000AgainstBruteForce) {
    // The sizes are shared among the ranks; the verdict is agreed.
    bool ok = true;
    int shown = 0;
    for (int n = 1 + rank(); n <= 10000; n += size()) {
        for (int k = 2; k <= 4; ++k) {
            std::vector<int> got = dims_of(n, std::vector<int>(static_cast<size_t>(k), 0));
            std::vector<int> want = reference_dims(n, k);
            if (got != want) {
                ok = false;
                if (shown++ < 5) {
                    std::string g, w;
                    for (int x : got) g += std::to_string(x) + " ";
                    for (int x : want) w += std::to_string(x) + " ";
                    ADD_FAILURE() << "MPI_Dims_create(" << n << ", " << k << ") = " << g
                                  << "; expected " << w;
                }
            }
        }
    }
    EXPECT_TRUE(all_true(ok));
}

TEST_F(DimsCreate, LargeSizesStayFast) {
    // 2^30 in 8 dimensions and a number with many divisors in 6: exact, and quick.
    EXPECT_EQ((std::vector<int>{16, 16, 16, 16, 16, 16, 8, 8}),
              dims_of(1 << 30, std::vector<int>(8, 0)));
    // 2^6 3^3 5^2 7 11 13 17 (1344 divisors); the answer found by an independent search.
    EXPECT_EQ((std::vector<int>{34, 33, 30, 30, 28, 26}), dims_of(735134400, std::vector<int>(6, 0)));
}

// ---------------------------------------------------------------------------------------------
// Communicators of size 1 and frees in any order.

TEST_F(Communicators, SizeOneCommunicatorsWork) {
    MPI_Comm self_dup, split, cart;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(MPI_COMM_SELF, &self_dup));
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_split(MPI_COMM_WORLD, rank(), 0, &split));  // one per rank
    int n = -1, cmp = -1;
    MPI_Comm_size(split, &n);
    EXPECT_EQ(1, n);
    MPI_Comm_compare(split, MPI_COMM_SELF, &cmp);
    EXPECT_EQ(MPI_CONGRUENT, cmp);
    int x = rank() + 1, y = 0;
    EXPECT_EQ(MPI_SUCCESS, MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_SUM, split));
    EXPECT_EQ(x, y);
    EXPECT_EQ(MPI_SUCCESS, MPI_Sendrecv(&x, 1, MPI_INT, 0, 0, &y, 1, MPI_INT, 0, 0, self_dup,
                                        MPI_STATUS_IGNORE));
    int dims[1] = {0}, periods[1] = {1};
    ASSERT_EQ(MPI_SUCCESS, MPI_Dims_create(1, 1, dims));
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_create(MPI_COMM_SELF, 1, dims, periods, 0, &cart));
    int src = -1, dst = -1;
    EXPECT_EQ(MPI_SUCCESS, MPI_Cart_shift(cart, 0, 1, &src, &dst));
    EXPECT_EQ(0, src);  // periodic: the one rank is its own neighbour
    EXPECT_EQ(0, dst);
    // Freed in another order than made.
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_free(&split));
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_free(&self_dup));
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_free(&cart));
    EXPECT_EQ(MPI_COMM_NULL, split);
}

TEST_F(Communicators, SplitUndefinedGivesNull) {
    MPI_Comm c = MPI_COMM_WORLD;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_split(MPI_COMM_WORLD, MPI_UNDEFINED, 0, &c));
    EXPECT_EQ(MPI_COMM_NULL, c);
    // Only rank 0 in a communicator; the others get MPI_COMM_NULL.
    ASSERT_EQ(MPI_SUCCESS,
              MPI_Comm_split(MPI_COMM_WORLD, rank() == 0 ? 0 : MPI_UNDEFINED, 0, &c));
    if (rank() == 0) {
        int n = -1;
        MPI_Comm_size(c, &n);
        EXPECT_EQ(1, n);
        MPI_Comm_free(&c);
    } else {
        EXPECT_EQ(MPI_COMM_NULL, c);
    }
    // Freeing MPI_COMM_NULL or a predefined communicator is an error, not a crash.
    MPI_Comm null = MPI_COMM_NULL;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_free(&null)));
}

// ---------------------------------------------------------------------------------------------
// MPI_Comm_split_type with guided types (MPI 4.1 §7.4.2): a resource that is not there, or no
// resource named, gives MPI_COMM_NULL, not an error.

MPI_Comm split_guided(int type, const char* key, const char* value, bool null_info = false) {
    MPI_Info info = MPI_INFO_NULL;
    if (!null_info) {
        MPI_Info_create(&info);
        if (value) MPI_Info_set(info, key, value);
    }
    MPI_Comm out = MPI_COMM_WORLD;
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_split_type(MPI_COMM_WORLD, type, rank(), info, &out))
        << "type " << type << " " << (value ? value : "(no value)");
    if (info != MPI_INFO_NULL) MPI_Info_free(&info);
    return out;
}

TEST_F(Communicators, HwGuidedWithoutOrWithUnknownResourceGivesNull) {
    EXPECT_EQ(MPI_COMM_NULL, split_guided(MPI_COMM_TYPE_HW_GUIDED, "", nullptr, true));
    EXPECT_EQ(MPI_COMM_NULL, split_guided(MPI_COMM_TYPE_HW_GUIDED, "mpi_hw_resource_type", nullptr));
    EXPECT_EQ(MPI_COMM_NULL,
              split_guided(MPI_COMM_TYPE_HW_GUIDED, "mpi_hw_resource_type", "NoSuchThing"));
    EXPECT_EQ(MPI_COMM_NULL, split_guided(MPI_COMM_TYPE_HW_GUIDED, "another_key", "Machine"));
    // The whole host is a resource every rank is inside.
    MPI_Comm c = split_guided(MPI_COMM_TYPE_HW_GUIDED, "mpi_hw_resource_type", "mpi_shared_memory");
    ASSERT_NE(MPI_COMM_NULL, c);
    MPI_Comm_free(&c);
    // A bad info handle is still an error.
    alignas(64) static int not_info[16] = {};
    MPI_Comm out;
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Comm_split_type(
                                MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0,
                                reinterpret_cast<MPI_Info>(not_info), &out)));
}

TEST_F(Communicators, ResourceGuidedProcessSets) {
    MPI_Comm c = split_guided(MPI_COMM_TYPE_RESOURCE_GUIDED, "mpi_pset_name", "mpi://WORLD");
    ASSERT_NE(MPI_COMM_NULL, c);
    int n = -1, cmp = -1;
    MPI_Comm_size(c, &n);
    EXPECT_EQ(size(), n);
    MPI_Comm_compare(c, MPI_COMM_WORLD, &cmp);
    EXPECT_EQ(MPI_CONGRUENT, cmp);
    MPI_Comm_free(&c);
    c = split_guided(MPI_COMM_TYPE_RESOURCE_GUIDED, "mpi_pset_name", "mpi://SELF");
    ASSERT_NE(MPI_COMM_NULL, c);
    MPI_Comm_size(c, &n);
    EXPECT_EQ(1, n);
    MPI_Comm_free(&c);
    EXPECT_EQ(MPI_COMM_NULL, split_guided(MPI_COMM_TYPE_RESOURCE_GUIDED, "", nullptr, true));
    EXPECT_EQ(MPI_COMM_NULL,
              split_guided(MPI_COMM_TYPE_RESOURCE_GUIDED, "mpi_pset_name", "app://nothing"));
}

// ---------------------------------------------------------------------------------------------
// Topologies (chapter 8): empty neighbourhoods, shifts off the grid, sub-grids.

TEST_F(Topologies, EmptyAndEdgeCases) {
    // A graph where nobody has an edge: every rank has zero neighbours.
    std::vector<int> index(static_cast<size_t>(size()), 0);
    MPI_Comm g;
    ASSERT_EQ(MPI_SUCCESS, MPI_Graph_create(MPI_COMM_WORLD, size(), index.data(), nullptr, 0, &g));
    int n = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Graph_neighbors_count(g, rank(), &n));
    EXPECT_EQ(0, n);
    int x = 1, y = -1;
    EXPECT_EQ(MPI_SUCCESS, MPI_Neighbor_allgather(&x, 1, MPI_INT, &y, 1, MPI_INT, g));
    EXPECT_EQ(-1, y);
    MPI_Comm_free(&g);
    // A distributed graph with no edges at all.
    MPI_Comm d;
    ASSERT_EQ(MPI_SUCCESS, MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 0, nullptr, MPI_UNWEIGHTED,
                                                          0, nullptr, MPI_UNWEIGHTED,
                                                          MPI_INFO_NULL, 0, &d));
    int indeg = -1, outdeg = -1, weighted = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Dist_graph_neighbors_count(d, &indeg, &outdeg, &weighted));
    EXPECT_EQ(0, indeg);
    EXPECT_EQ(0, outdeg);
    MPI_Comm_free(&d);
    // A non-periodic line: shifts past either end give MPI_PROC_NULL, a shift by 0 oneself.
    int dims[1] = {size()}, periods[1] = {0};
    MPI_Comm line;
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &line));
    int src = 0, dst = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_shift(line, 0, size(), &src, &dst));
    EXPECT_EQ(MPI_PROC_NULL, src);
    EXPECT_EQ(MPI_PROC_NULL, dst);
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_shift(line, 0, 0, &src, &dst));
    EXPECT_EQ(rank(), src);
    EXPECT_EQ(rank(), dst);
    // Keeping no dimension: a 0-dimensional grid of one rank each.
    int keep[1] = {0};
    MPI_Comm point;
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_sub(line, keep, &point));
    MPI_Comm_size(point, &n);
    EXPECT_EQ(1, n);
    int nd = -1;
    MPI_Cartdim_get(point, &nd);
    EXPECT_EQ(0, nd);
    MPI_Comm_free(&point);
    MPI_Comm_free(&line);
    // Bad input keeps its error: a dimension that is not there.
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &line));
    MPI_Comm_set_errhandler(line, MPI_ERRORS_RETURN);
    EXPECT_NE(MPI_SUCCESS, MPI_Cart_shift(line, 1, 1, &src, &dst));
    MPI_Comm_free(&line);
}

// ---------------------------------------------------------------------------------------------
// Info (chapter 10): MPI_INFO_ENV is read-only, lengths are reported whatever fits.

TEST_F(InfoObjects, EnvAndLengths) {
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_set(MPI_INFO_ENV, "k", "v")));
    MPI_Info env = MPI_INFO_ENV;
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_free(&env)));
    MPI_Info i;
    MPI_Info_create(&i);
    MPI_Info_set(i, "key", "a longer value");
    int buflen = 0, flag = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_string(i, "key", &buflen, nullptr, &flag));
    EXPECT_EQ(1, flag);
    EXPECT_EQ(15, buflen);  // the value's length + 1, whatever was copied
    char small[4];
    buflen = sizeof small;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_string(i, "key", &buflen, small, &flag));
    EXPECT_EQ(15, buflen);
    EXPECT_EQ('\0', small[3]);  // truncated, terminated
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_string(i, "absent", &buflen, small, &flag));
    EXPECT_EQ(0, flag);
    // Deleting a key that is not there is MPI_ERR_INFO_NOKEY.
    EXPECT_EQ(MPI_ERR_INFO_NOKEY, error_class(MPI_Info_delete(i, "absent")));
    MPI_Info_free(&i);
}

}  // namespace

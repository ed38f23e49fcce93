// Groups (and MPI_Comm_group), info objects and the error classes/codes/strings a program adds.
// Every test works at any size; set operations are checked against lists computed here by the
// standard's definitions, and against literal answers where the size allows. Errors are
// checked with MPI_ERRORS_RETURN on MPI_COMM_WORLD and MPI_COMM_SELF.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::error_class;
using efampi::test::error_text;
using efampi::test::rank;
using efampi::test::size;

namespace {

class ReturnErrors : public ::testing::Test {
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
    // The job ranks of `g`'s members in group order (through the world group).
    std::vector<int> members(MPI_Group g) {
        int n = -1;
        EXPECT_EQ(MPI_SUCCESS, MPI_Group_size(g, &n));
        std::vector<int> in(static_cast<size_t>(n)), out(static_cast<size_t>(n), -99);
        for (int i = 0; i < n; ++i) in[static_cast<size_t>(i)] = i;
        EXPECT_EQ(MPI_SUCCESS, MPI_Group_translate_ranks(g, n, in.data(), world, out.data()));
        return out;
    }
    MPI_Group incl(MPI_Group g, const std::vector<int>& ranks) {
        MPI_Group out = MPI_GROUP_NULL;
        EXPECT_EQ(MPI_SUCCESS,
                  MPI_Group_incl(g, static_cast<int>(ranks.size()), ranks.data(), &out));
        return out;
    }
    MPI_Group world = MPI_GROUP_NULL;
};

class Groups : public ReturnErrors {};
class Info : public ReturnErrors {};
class UserErrors : public ReturnErrors {};

std::vector<int> iota(int from, int to, int step = 1) {  // from, from+step, ... < to
    std::vector<int> v;
    for (int i = from; i < to; i += step) v.push_back(i);
    return v;
}

bool contains(const std::vector<int>& v, int x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// ---------------------------------------------------------------------------------------------
// Groups

TEST_F(Groups, WorldAndSelf) {
    int n = -1, r = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_size(world, &n));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_rank(world, &r));
    EXPECT_EQ(size(), n);
    EXPECT_EQ(rank(), r);
    EXPECT_EQ(iota(0, size()), members(world));

    MPI_Group self;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_group(MPI_COMM_SELF, &self));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_size(self, &n));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_rank(self, &r));
    EXPECT_EQ(1, n);
    EXPECT_EQ(0, r);
    EXPECT_EQ(std::vector<int>{rank()}, members(self));
    int cmp = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_compare(self, world, &cmp));
    EXPECT_EQ(size() == 1 ? MPI_IDENT : MPI_UNEQUAL, cmp);
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_free(&self));
    EXPECT_EQ(MPI_GROUP_NULL, self);

    MPI_Group again;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_group(MPI_COMM_WORLD, &again));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_compare(again, world, &cmp));
    EXPECT_EQ(MPI_IDENT, cmp);
    MPI_Group_free(&again);
}

TEST_F(Groups, EmptyGroup) {
    int n = -1, r = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_size(MPI_GROUP_EMPTY, &n));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_rank(MPI_GROUP_EMPTY, &r));
    EXPECT_EQ(0, n);
    EXPECT_EQ(MPI_UNDEFINED, r);
    // Empty results are empty groups, MPI_IDENT to MPI_GROUP_EMPTY, and may be freed.
    MPI_Group e = incl(world, {});
    int cmp = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_compare(e, MPI_GROUP_EMPTY, &cmp));
    EXPECT_EQ(MPI_IDENT, cmp);
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&e));
    MPI_Group d;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_difference(world, world, &d));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_size(d, &n));
    EXPECT_EQ(0, n);
    MPI_Group_free(&d);
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_union(MPI_GROUP_EMPTY, world, &d));
    EXPECT_EQ(iota(0, size()), members(d));
    MPI_Group_free(&d);
}

TEST_F(Groups, InclReversedAndExcl) {
    std::vector<int> rev;
    for (int i = size() - 1; i >= 0; --i) rev.push_back(i);
    MPI_Group g = incl(world, rev);
    EXPECT_EQ(rev, members(g));
    int r = -1, cmp = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_rank(g, &r));
    EXPECT_EQ(size() - 1 - rank(), r);
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_compare(g, world, &cmp));
    EXPECT_EQ(size() == 1 ? MPI_IDENT : MPI_SIMILAR, cmp);

    // Excluding the even ranks of the reversed group keeps the others in the reversed order.
    std::vector<int> evens = iota(0, size(), 2);
    MPI_Group x;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_excl(g, static_cast<int>(evens.size()), evens.data(), &x));
    std::vector<int> expect;
    for (int i = 0; i < size(); ++i)
        if (i % 2) expect.push_back(rev[static_cast<size_t>(i)]);
    EXPECT_EQ(expect, members(x));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_rank(x, &r));
    int my = size() - 1 - rank();  // my rank in g
    EXPECT_EQ(my % 2 ? my / 2 : MPI_UNDEFINED, r);
    MPI_Group_free(&x);
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_excl(g, 0, nullptr, &x));  // n = 0: the same group
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_compare(g, x, &cmp));
    EXPECT_EQ(MPI_IDENT, cmp);
    MPI_Group_free(&x);
    MPI_Group_free(&g);
}

TEST_F(Groups, SetOperationsLiteral) {
    if (size() < 4) GTEST_SKIP() << "needs 4 ranks";
    MPI_Group a = incl(world, {3, 0, 2}), b = incl(world, {2, 1, 3}), u, i, d;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_union(a, b, &u));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_intersection(a, b, &i));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_difference(a, b, &d));
    EXPECT_EQ((std::vector<int>{3, 0, 2, 1}), members(u));
    EXPECT_EQ((std::vector<int>{3, 2}), members(i));
    EXPECT_EQ((std::vector<int>{0}), members(d));
    MPI_Group u2, i2, d2;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_union(b, a, &u2));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_intersection(b, a, &i2));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_difference(b, a, &d2));
    EXPECT_EQ((std::vector<int>{2, 1, 3, 0}), members(u2));
    EXPECT_EQ((std::vector<int>{2, 3}), members(i2));
    EXPECT_EQ((std::vector<int>{1}), members(d2));
    int cmp = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_compare(u, u2, &cmp));
    EXPECT_EQ(MPI_SIMILAR, cmp);
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_compare(i, i2, &cmp));
    EXPECT_EQ(MPI_SIMILAR, cmp);
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_compare(d, d2, &cmp));
    EXPECT_EQ(MPI_UNEQUAL, cmp);
    int r = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_rank(u, &r));
    int expect_u[] = {1, 3, 2, 0};  // job rank -> rank in u = {3, 0, 2, 1}
    EXPECT_EQ(rank() < 4 ? expect_u[rank()] : MPI_UNDEFINED, r);
    for (MPI_Group* g : {&a, &b, &u, &i, &d, &u2, &i2, &d2}) MPI_Group_free(g);
}

TEST_F(Groups, SetOperationsAtAnySize) {
    // a: every second rank from the top down; b: the ranks not divisible by 3, ascending.
    std::vector<int> va, vb;
    for (int r = size() - 1; r >= 0; r -= 2) va.push_back(r);
    for (int r = 0; r < size(); ++r)
        if (r % 3) vb.push_back(r);
    std::vector<int> vu = va, vi, vd;
    for (int r : vb)
        if (!contains(va, r)) vu.push_back(r);
    for (int r : va) (contains(vb, r) ? vi : vd).push_back(r);
    MPI_Group a = incl(world, va), b = incl(world, vb), u, i, d;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_union(a, b, &u));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_intersection(a, b, &i));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_difference(a, b, &d));
    EXPECT_EQ(vu, members(u));
    EXPECT_EQ(vi, members(i));
    EXPECT_EQ(vd, members(d));
    for (MPI_Group* g : {&a, &b, &u, &i, &d}) MPI_Group_free(g);
}

TEST_F(Groups, TranslateRanks) {
    std::vector<int> odd = iota(1, size(), 2);
    MPI_Group g = incl(world, odd);
    std::vector<int> in = {MPI_PROC_NULL};
    for (int r = size() - 1; r >= 0; --r) in.push_back(r);
    std::vector<int> out(in.size(), -99);
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_translate_ranks(world, static_cast<int>(in.size()),
                                                     in.data(), g, out.data()));
    EXPECT_EQ(MPI_PROC_NULL, out[0]);
    for (size_t k = 1; k < in.size(); ++k)
        EXPECT_EQ(in[k] % 2 ? in[k] / 2 : MPI_UNDEFINED, out[k]) << "world rank " << in[k];
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_translate_ranks(world, 0, nullptr, g, nullptr));
    MPI_Group_free(&g);
}

TEST_F(Groups, RangeInclAndExcl) {
    int n = size();
    int up[1][3] = {{0, n - 1, 2}};
    int down[1][3] = {{n - 1, 0, -1}};
    MPI_Group a, b, c;
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_range_incl(world, 1, up, &a));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_range_incl(world, 1, down, &b));
    ASSERT_EQ(MPI_SUCCESS, MPI_Group_range_excl(world, 1, up, &c));
    EXPECT_EQ(iota(0, n, 2), members(a));
    std::vector<int> rev = iota(0, n);
    std::reverse(rev.begin(), rev.end());
    EXPECT_EQ(rev, members(b));
    EXPECT_EQ(iota(1, n, 2), members(c));
    for (MPI_Group* g : {&a, &b, &c}) MPI_Group_free(g);
    if (n >= 8) {  // several triplets, a stride past the end, a negative stride
        int r[3][3] = {{0, 7, 3}, {7, 1, -3}, {5, 5, 9}};  // 0 3 6, 7 4 1, 5
        ASSERT_EQ(MPI_SUCCESS, MPI_Group_range_incl(world, 3, r, &a));
        EXPECT_EQ((std::vector<int>{0, 3, 6, 7, 4, 1, 5}), members(a));
        ASSERT_EQ(MPI_SUCCESS, MPI_Group_range_excl(world, 3, r, &b));
        std::vector<int> rest = {2};
        for (int k = 8; k < n; ++k) rest.push_back(k);
        EXPECT_EQ(rest, members(b));
        MPI_Group_free(&a);
        MPI_Group_free(&b);
    }
}

TEST_F(Groups, ManyCreatedAndFreed) {
    // More than the library keeps parked: recycled objects must stay correct.
    for (int k = 0; k < 10000; ++k) {
        MPI_Group g = incl(world, {k % size()});
        MPI_Group copy = g;
        int n = -1;
        ASSERT_EQ(MPI_SUCCESS, MPI_Group_size(g, &n));
        ASSERT_EQ(1, n);
        ASSERT_EQ(MPI_SUCCESS, MPI_Group_free(&g));
        ASSERT_EQ(MPI_ERR_GROUP, error_class(MPI_Group_size(copy, &n)));  // stale handle
    }
}

TEST_F(Groups, BadInput) {
    int n = -1, out = -1;
    EXPECT_EQ(MPI_ERR_GROUP, error_class(MPI_Group_size(MPI_GROUP_NULL, &n)));
    int rc = MPI_Group_rank(reinterpret_cast<MPI_Group>(MPI_COMM_WORLD), &n);
    EXPECT_EQ(MPI_ERR_GROUP, error_class(rc));
    alignas(64) static int not_a_group[32] = {};
    EXPECT_EQ(MPI_ERR_GROUP,
              error_class(MPI_Group_size(reinterpret_cast<MPI_Group>(not_a_group), &n)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Group_size(world, nullptr)));

    // MPI_GROUP_EMPTY, which constructors return for empty results, may be freed (the handle
    // becomes MPI_GROUP_NULL, the group stays).
    MPI_Group empty = MPI_GROUP_EMPTY;
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_free(&empty));
    EXPECT_EQ(MPI_GROUP_NULL, empty);
    EXPECT_EQ(MPI_SUCCESS, MPI_Group_size(MPI_GROUP_EMPTY, &n));
    rc = MPI_Group_free(&empty);
    EXPECT_EQ(MPI_ERR_GROUP, error_class(rc));
    EXPECT_NE(std::string::npos, error_text(rc).find("MPI_Group_free")) << error_text(rc);
    MPI_Group null = MPI_GROUP_NULL;
    EXPECT_EQ(MPI_ERR_GROUP, error_class(MPI_Group_free(&null)));

    MPI_Group g = MPI_GROUP_NULL;
    int out_of_range[] = {size()};
    rc = MPI_Group_incl(world, 1, out_of_range, &g);
    EXPECT_EQ(MPI_ERR_RANK, error_class(rc));
    EXPECT_NE(std::string::npos, error_text(rc).find("out of range")) << error_text(rc);
    int negative[] = {-1};
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Group_excl(world, 1, negative, &g)));
    if (size() >= 2) {
        int dup[] = {0, 1, 0};
        EXPECT_EQ(size() >= 3 ? MPI_ERR_RANK : MPI_ERR_ARG,  // n > size is checked first
                  error_class(MPI_Group_incl(world, 3, dup, &g)));
        rc = MPI_Group_excl(world, 2, dup + 1, &g);  // {1, 0}: fine
        EXPECT_EQ(MPI_SUCCESS, rc);
        MPI_Group_free(&g);
    }
    int one[] = {0, 0};
    EXPECT_EQ(size() >= 2 ? MPI_ERR_RANK : MPI_ERR_ARG,
              error_class(MPI_Group_incl(world, 2, one, &g)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Group_incl(world, -1, one, &g)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Group_incl(world, size() + 1, one, &g)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Group_incl(world, 1, nullptr, &g)));
    EXPECT_EQ(MPI_GROUP_NULL, g);

    int zero_stride[1][3] = {{0, 0, 0}};
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Group_range_incl(world, 1, zero_stride, &g)));
    int past_end[1][3] = {{0, size(), 1}};
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Group_range_incl(world, 1, past_end, &g)));
    int overlap[2][3] = {{0, size() - 1, 1}, {0, 0, 1}};
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Group_range_excl(world, 2, overlap, &g)));
    if (size() >= 2) {
        int wrong_way[1][3] = {{1, 0, 1}};
        EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Group_range_incl(world, 1, wrong_way, &g)));
    }
    EXPECT_EQ(MPI_GROUP_NULL, g);

    int in[] = {size()};
    EXPECT_EQ(MPI_ERR_RANK,
              error_class(MPI_Group_translate_ranks(world, 1, in, world, &out)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Group_translate_ranks(world, -1, in, world, &out)));
    EXPECT_EQ(MPI_ERR_GROUP, error_class(MPI_Group_union(world, MPI_GROUP_NULL, &g)));
    EXPECT_EQ(MPI_ERR_GROUP, error_class(MPI_Group_compare(MPI_GROUP_NULL, world, &n)));
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_group(MPI_COMM_NULL, &g)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Comm_group(MPI_COMM_WORLD, nullptr)));
}

// ---------------------------------------------------------------------------------------------
// Info

std::string get(MPI_Info info, const char* key, int* flag) {
    char v[MPI_MAX_INFO_VAL];
    int len = MPI_MAX_INFO_VAL;
    *flag = -1;
    EXPECT_EQ(MPI_SUCCESS, MPI_Info_get_string(info, key, &len, v, flag));
    return *flag ? std::string(v) : std::string();
}

std::string nthkey(MPI_Info info, int n) {
    char k[MPI_MAX_INFO_KEY];
    EXPECT_EQ(MPI_SUCCESS, MPI_Info_get_nthkey(info, n, k));
    return k;
}

TEST_F(Info, SetGetDeleteInOrder) {
    MPI_Info info;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_create(&info));
    int n = -1, flag = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_nkeys(info, &n));
    EXPECT_EQ(0, n);
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(info, "zeta", "1"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(info, "alpha", "two"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(info, "mid", ""));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(info, "zeta", "replaced"));  // keeps its place
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_nkeys(info, &n));
    EXPECT_EQ(3, n);
    EXPECT_EQ("zeta", nthkey(info, 0));
    EXPECT_EQ("alpha", nthkey(info, 1));
    EXPECT_EQ("mid", nthkey(info, 2));
    EXPECT_EQ("replaced", get(info, "zeta", &flag));
    EXPECT_EQ(1, flag);
    EXPECT_EQ("", get(info, "mid", &flag));
    EXPECT_EQ(1, flag);
    EXPECT_EQ("", get(info, "Zeta", &flag));  // keys are case-sensitive
    EXPECT_EQ(0, flag);

    int len = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_valuelen(info, "alpha", &len, &flag));
    EXPECT_EQ(1, flag);
    EXPECT_EQ(3, len);
    len = 77;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_valuelen(info, "nope", &len, &flag));
    EXPECT_EQ(0, flag);
    EXPECT_EQ(77, len);

    // The deprecated MPI_Info_get: valuelen characters at most, then a NUL.
    char v[16];
    std::memset(v, 'x', sizeof v);
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get(info, "zeta", 3, v, &flag));
    EXPECT_EQ(1, flag);
    EXPECT_STREQ("rep", v);
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get(info, "zeta", 15, v, &flag));
    EXPECT_STREQ("replaced", v);
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get(info, "nope", 15, v, &flag));
    EXPECT_EQ(0, flag);

    ASSERT_EQ(MPI_SUCCESS, MPI_Info_delete(info, "zeta"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_nkeys(info, &n));
    EXPECT_EQ(2, n);
    EXPECT_EQ("alpha", nthkey(info, 0));
    int rc = MPI_Info_delete(info, "zeta");
    EXPECT_EQ(MPI_ERR_INFO_NOKEY, error_class(rc));
    EXPECT_NE(std::string::npos, error_text(rc).find("zeta")) << error_text(rc);
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_free(&info));
    EXPECT_EQ(MPI_INFO_NULL, info);
}

TEST_F(Info, GetStringReportsNeededLength) {
    MPI_Info info;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_create(&info));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(info, "k", "hello world"));
    int flag = -1, buflen = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_string(info, "k", &buflen, nullptr, &flag));
    EXPECT_EQ(1, flag);
    EXPECT_EQ(12, buflen);  // 11 characters and the NUL
    char small[6];
    buflen = sizeof small;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_string(info, "k", &buflen, small, &flag));
    EXPECT_STREQ("hello", small);  // truncated, terminated
    EXPECT_EQ(12, buflen);
    char big[32];
    buflen = sizeof big;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_string(info, "k", &buflen, big, &flag));
    EXPECT_STREQ("hello world", big);
    EXPECT_EQ(12, buflen);
    buflen = 5;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_string(info, "absent", &buflen, big, &flag));
    EXPECT_EQ(0, flag);
    EXPECT_EQ(5, buflen);
    MPI_Info_free(&info);
}

TEST_F(Info, DupIsIndependent) {
    MPI_Info a, b;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_create(&a));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(a, "x", "1"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(a, "y", "2"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_dup(a, &b));
    EXPECT_NE(a, b);
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(a, "x", "changed"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_delete(a, "y"));
    int flag = -1;
    EXPECT_EQ("1", get(b, "x", &flag));
    EXPECT_EQ("2", get(b, "y", &flag));
    EXPECT_EQ("x", nthkey(b, 0));
    EXPECT_EQ("y", nthkey(b, 1));
    MPI_Info_free(&a);
    MPI_Info_free(&b);
}

TEST_F(Info, Environment) {
    int flag = -1;
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    EXPECT_EQ(std::string(host), get(MPI_INFO_ENV, "host", &flag));
    char dir[4096];
    ASSERT_NE(nullptr, getcwd(dir, sizeof dir));
    EXPECT_EQ(std::string(dir), get(MPI_INFO_ENV, "wdir", &flag));
    EXPECT_EQ(std::to_string(size()), get(MPI_INFO_ENV, "maxprocs", &flag));
    EXPECT_EQ(1, flag);
    std::string level = get(MPI_INFO_ENV, "thread_level", &flag);
    EXPECT_EQ(0u, level.find("MPI_THREAD_")) << level;
    EXPECT_NE(std::string::npos, get(MPI_INFO_ENV, "command", &flag).find("mpi_test_groups"));
    get(MPI_INFO_ENV, "soft", &flag);
    EXPECT_EQ(0, flag);  // unknown: left out

    // Read-only and predefined; a dup is an ordinary object.
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_set(MPI_INFO_ENV, "host", "other")));
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_delete(MPI_INFO_ENV, "host")));
    MPI_Info env = MPI_INFO_ENV;
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_free(&env)));
    EXPECT_EQ(MPI_INFO_ENV, env);
    MPI_Info d;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_dup(MPI_INFO_ENV, &d));
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(d, "host", "other"));
    EXPECT_EQ("other", get(d, "host", &flag));
    EXPECT_EQ(std::string(host), get(MPI_INFO_ENV, "host", &flag));
    MPI_Info_free(&d);

    char prog[] = "prog", a1[] = "-x", a2[] = "y z";
    char* argv[] = {prog, a1, a2, nullptr};
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_create_env(3, argv, &d));
    EXPECT_EQ("prog", get(d, "command", &flag));
    EXPECT_EQ("-x y z", get(d, "argv", &flag));
    EXPECT_EQ(std::string(host), get(d, "host", &flag));
    MPI_Info_free(&d);
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_create_env(0, nullptr, &d));
    get(d, "command", &flag);
    EXPECT_EQ(0, flag);
    MPI_Info_free(&d);
}

TEST_F(Info, AbiInfo) {
    MPI_Info info;
    ASSERT_EQ(MPI_SUCCESS, MPI_Abi_get_info(&info));
    int flag = -1;
    EXPECT_EQ(std::to_string(sizeof(MPI_Aint)), get(info, "mpi_aint_size", &flag));
    EXPECT_EQ(std::to_string(sizeof(MPI_Count)), get(info, "mpi_count_size", &flag));
    EXPECT_EQ(std::to_string(sizeof(MPI_Offset)), get(info, "mpi_offset_size", &flag));
    EXPECT_EQ(MPI_SUCCESS, MPI_Info_free(&info));
}

TEST_F(Info, KeyAndValueLimits) {
    MPI_Info info;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_create(&info));
    std::string key(MPI_MAX_INFO_KEY - 1, 'k'), val(MPI_MAX_INFO_VAL - 1, 'v');
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_set(info, key.c_str(), val.c_str()));
    int flag = -1;
    EXPECT_EQ(val, get(info, key.c_str(), &flag));
    EXPECT_EQ(key, nthkey(info, 0));
    std::string long_key(MPI_MAX_INFO_KEY, 'k'), long_val(MPI_MAX_INFO_VAL, 'v');
    int rc = MPI_Info_set(info, long_key.c_str(), "1");
    EXPECT_EQ(MPI_ERR_INFO_KEY, error_class(rc));
    EXPECT_NE(std::string::npos, error_text(rc).find("MPI_MAX_INFO_KEY")) << error_text(rc);
    EXPECT_EQ(MPI_ERR_INFO_VALUE, error_class(MPI_Info_set(info, "k", long_val.c_str())));
    EXPECT_EQ(MPI_ERR_INFO_KEY, error_class(MPI_Info_set(info, "", "1")));
    EXPECT_EQ(MPI_ERR_INFO_KEY, error_class(MPI_Info_set(info, nullptr, "1")));
    EXPECT_EQ(MPI_ERR_INFO_VALUE, error_class(MPI_Info_set(info, "k", nullptr)));
    EXPECT_EQ(MPI_ERR_INFO_KEY, error_class(MPI_Info_get_valuelen(info, long_key.c_str(),
                                                                  &rc, &flag)));
    EXPECT_EQ(MPI_ERR_INFO_KEY, error_class(MPI_Info_delete(info, long_key.c_str())));
    int n = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_get_nkeys(info, &n));
    EXPECT_EQ(1, n);
    MPI_Info_free(&info);
}

TEST_F(Info, BadInput) {
    int n = -1, flag = -1;
    char k[MPI_MAX_INFO_KEY];
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_get_nkeys(MPI_INFO_NULL, &n)));
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_set(MPI_INFO_NULL, "a", "b")));
    EXPECT_EQ(MPI_ERR_INFO,
              error_class(MPI_Info_get_nkeys(reinterpret_cast<MPI_Info>(MPI_COMM_WORLD), &n)));
    MPI_Info info, stale;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_create(&info));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Info_get_nthkey(info, 0, k)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Info_get_nthkey(info, -1, k)));
    char v[8];
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Info_get(info, "a", -1, v, &flag)));
    int buflen = -2;
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Info_get_string(info, "a", &buflen, v, &flag)));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Info_create(nullptr)));
    stale = info;
    ASSERT_EQ(MPI_SUCCESS, MPI_Info_free(&info));
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_get_nkeys(stale, &n)));
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_free(&stale)));
    MPI_Info null = MPI_INFO_NULL, d;
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_free(&null)));
    EXPECT_EQ(MPI_ERR_INFO, error_class(MPI_Info_dup(MPI_INFO_NULL, &d)));
}

// ---------------------------------------------------------------------------------------------
// Error classes, codes and strings added by the program

TEST_F(UserErrors, ClassesCodesAndStrings) {
    int cls = -1, code = -1, code2 = -1, other = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_class(&cls));
    EXPECT_GT(cls, MPI_ERR_LASTCODE);
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_code(cls, &code));
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_code(cls, &code2));
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_code(MPI_ERR_OTHER, &other));
    EXPECT_NE(code, code2);
    EXPECT_NE(cls, code);
    EXPECT_EQ(cls, error_class(cls));
    EXPECT_EQ(cls, error_class(code));
    EXPECT_EQ(cls, error_class(code2));
    EXPECT_EQ(MPI_ERR_OTHER, error_class(other));

    EXPECT_EQ("", error_text(code));  // no string set yet
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_string(cls, "my library failed"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_string(code, "my library: disk full"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_string(other, "first"));
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_string(other, "second"));  // replaced
    EXPECT_EQ("my library failed", error_text(cls));
    EXPECT_EQ("my library: disk full", error_text(code));
    EXPECT_EQ("second", error_text(other));
    std::string longest(MPI_MAX_ERROR_STRING - 1, 's');
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_string(code2, longest.c_str()));
    EXPECT_EQ(longest, error_text(code2));

    // Predefined classes keep their text.
    EXPECT_EQ(MPI_ERR_OTHER, error_class(MPI_ERR_OTHER));
    EXPECT_NE(std::string::npos, error_text(MPI_ERR_TRUNCATE).find("truncated"));

    // Added in the same order everywhere, the values agree between ranks.
    int mine[4] = {cls, code, code2, other}, left[4] = {};
    int right_rank = (rank() + 1) % size(), left_rank = (rank() - 1 + size()) % size();
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(mine, 4, MPI_INT, right_rank, 7, left, 4, MPI_INT,
                                        left_rank, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    EXPECT_EQ(0, std::memcmp(mine, left, sizeof mine));
}

TEST_F(UserErrors, BadInput) {
    int out = -1;
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Add_error_class(nullptr)));
    int rc = MPI_Add_error_code(MPI_ERR_LASTCODE + 1000000, &out);
    EXPECT_EQ(MPI_ERR_ARG, error_class(rc));
    EXPECT_NE(std::string::npos, error_text(rc).find("not an error class")) << error_text(rc);
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Add_error_code(-5, &out)));
    int cls = -1, code = -1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_class(&cls));
    ASSERT_EQ(MPI_SUCCESS, MPI_Add_error_code(cls, &code));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Add_error_code(code, &out)));  // a code, no class
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Add_error_code(cls, nullptr)));
    rc = MPI_Add_error_string(MPI_ERR_OTHER, "mine now");
    EXPECT_EQ(MPI_ERR_ARG, error_class(rc));
    EXPECT_NE(std::string::npos, error_text(rc).find("predefined")) << error_text(rc);
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Add_error_string(code + 1000, "x")));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Add_error_string(code, nullptr)));
    std::string too_long(MPI_MAX_ERROR_STRING, 's');
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Add_error_string(code, too_long.c_str())));
    EXPECT_EQ("", error_text(code));
    int c = -1;
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Error_class(code + 1000, &c)));
}

}  // namespace

// Communicator management: dup, split, split_type, free, compare, names; context ids never
// shared by two live communicators of a process, and returned when freed.
#include <gtest/gtest.h>
#include <sched.h>

#include <string>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::all_true;
using efampi::test::error_class;
using efampi::test::ReturnErrors;
using efampi::test::rank;
using efampi::test::size;

namespace {

TEST(Comm, DupTrafficNeverMatchesTheParent) {
    MPI_Comm dup;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    int r = -1, s = -1;
    MPI_Comm_rank(dup, &r);
    MPI_Comm_size(dup, &s);
    EXPECT_EQ(rank(), r);
    EXPECT_EQ(size(), s);
    int right = (rank() + 1) % size(), left = (rank() - 1 + size()) % size();
    // Same source, same tag, different communicators: each receive gets its own message,
    // whatever the order of the sends.
    int on_dup = 100 + rank(), on_world = 200 + rank(), got_dup = -1, got_world = -1;
    MPI_Request rq[2];
    MPI_Irecv(&got_world, 1, MPI_INT, left, 5, MPI_COMM_WORLD, &rq[0]);
    MPI_Irecv(&got_dup, 1, MPI_INT, left, 5, dup, &rq[1]);
    MPI_Send(&on_dup, 1, MPI_INT, right, 5, dup);
    MPI_Send(&on_world, 1, MPI_INT, right, 5, MPI_COMM_WORLD);
    MPI_Waitall(2, rq, MPI_STATUSES_IGNORE);
    EXPECT_EQ(100 + left, got_dup);
    EXPECT_EQ(200 + left, got_world);
    int result = -1;
    MPI_Comm_compare(MPI_COMM_WORLD, dup, &result);
    EXPECT_EQ(MPI_CONGRUENT, result);
    MPI_Comm_compare(dup, dup, &result);
    EXPECT_EQ(MPI_IDENT, result);
    // Nested dups.
    MPI_Comm dup2;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(dup, &dup2));
    MPI_Barrier(dup2);
    MPI_Comm_free(&dup2);
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_free(&dup));
    EXPECT_EQ(MPI_COMM_NULL, dup);
}

TEST(Comm, SplitByColourOrdersByKeyThenRank) {
    // Colour: rank parity; key: reversed rank, so new ranks run backwards.
    MPI_Comm half;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_split(MPI_COMM_WORLD, rank() % 2, size() - rank(), &half));
    int r = -1, s = -1;
    MPI_Comm_rank(half, &r);
    MPI_Comm_size(half, &s);
    int same = 0;
    for (int i = rank() % 2; i < size(); i += 2) ++same;
    EXPECT_EQ(same, s);
    int expect_rank = 0;  // members of my colour with a larger world rank come first
    for (int i = rank() % 2; i < size(); i += 2) expect_rank += i > rank();
    EXPECT_EQ(expect_rank, r);
    // Everyone in the half sends its world rank around the half's ring.
    int right = (r + 1) % s, left = (r - 1 + s) % s, got = -1, mine = rank();
    MPI_Sendrecv(&mine, 1, MPI_INT, right, 1, &got, 1, MPI_INT, left, 1, half,
                 MPI_STATUS_IGNORE);
    int left_world = -1;
    {
        // The left neighbour in the half, in world ranks: the member whose new rank is r - 1.
        std::vector<int> members;
        for (int i = size() - 1; i >= 0; --i)
            if (i % 2 == rank() % 2) members.push_back(i);
        left_world = members[static_cast<size_t>(left)];
    }
    EXPECT_EQ(left_world, got);
    int result = -1;
    MPI_Comm_compare(half, MPI_COMM_WORLD, &result);
    EXPECT_EQ(size() == 1 ? MPI_CONGRUENT : MPI_UNEQUAL, result);
    MPI_Comm_free(&half);

    // Equal keys keep the parent's order; MPI_UNDEFINED gets MPI_COMM_NULL.
    MPI_Comm some;
    ASSERT_EQ(MPI_SUCCESS,
              MPI_Comm_split(MPI_COMM_WORLD, rank() == 0 ? MPI_UNDEFINED : 1, 0, &some));
    if (rank() == 0) {
        EXPECT_EQ(MPI_COMM_NULL, some);
    } else {
        MPI_Comm_rank(some, &r);
        EXPECT_EQ(rank() - 1, r);
        MPI_Comm_free(&some);
    }
}

TEST(Comm, SplitTypeSharedGroupsTheHost) {
    MPI_Comm node;
    ASSERT_EQ(MPI_SUCCESS,
              MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank(), MPI_INFO_NULL,
                                  &node));
    int s = -1, r = -1;
    MPI_Comm_size(node, &s);
    MPI_Comm_rank(node, &r);
    EXPECT_EQ(size(), s);  // tests run on one host
    EXPECT_EQ(rank(), r);
    MPI_Barrier(node);
    MPI_Comm_free(&node);
    MPI_Comm none;
    ASSERT_EQ(MPI_SUCCESS,
              MPI_Comm_split_type(MPI_COMM_WORLD, MPI_UNDEFINED, 0, MPI_INFO_NULL, &none));
    EXPECT_EQ(MPI_COMM_NULL, none);
}

// MPI_COMM_TYPE_HW_GUIDED: "mpi_shared_memory" and "Machine" give the host (tests run on one);
// a resource this process is not bound inside ("PU" when it may run on several CPUs) or an
// unknown name, or no name, gives MPI_COMM_NULL.
TEST(Comm, SplitTypeHwGuided) {
    auto split = [](const char* value, MPI_Comm* out) {
        MPI_Info info;
        MPI_Info_create(&info);
        if (value) MPI_Info_set(info, "mpi_hw_resource_type", value);
        int rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, rank(), info, out);
        MPI_Info_free(&info);
        return rc;
    };
    for (const char* whole : {"mpi_shared_memory", "Machine"}) {
        MPI_Comm c;
        ASSERT_EQ(MPI_SUCCESS, split(whole, &c)) << whole;
        ASSERT_NE(MPI_COMM_NULL, c) << whole;
        int s = -1;
        MPI_Comm_size(c, &s);
        EXPECT_EQ(size(), s) << whole;
        MPI_Comm_free(&c);
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    ASSERT_EQ(0, sched_getaffinity(0, sizeof set, &set));
    MPI_Comm pu;
    ASSERT_EQ(MPI_SUCCESS, split("PU", &pu));
    if (CPU_COUNT(&set) > 1) {
        EXPECT_EQ(MPI_COMM_NULL, pu) << "this rank may run on several CPUs";
    } else {
        ASSERT_NE(MPI_COMM_NULL, pu);
        MPI_Comm_free(&pu);
    }
    MPI_Comm none;
    ASSERT_EQ(MPI_SUCCESS, split("NoSuchResource", &none));
    EXPECT_EQ(MPI_COMM_NULL, none);
    // No key at all: MPI_COMM_NULL too, not an error (MPI 4.1 §7.4.2).
    none = MPI_COMM_WORLD;
    ASSERT_EQ(MPI_SUCCESS, split(nullptr, &none));
    EXPECT_EQ(MPI_COMM_NULL, none);
}

TEST(Comm, ThousandsCreatedAndFreedReuseTheirIds) {
    // More than the 4096 context ids: they must come back when freed.
    for (int i = 0; i < 5000; ++i) {
        MPI_Comm c;
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(MPI_COMM_WORLD, &c)) << "dup " << i;
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_free(&c));
    }
    // Many alive at once, each usable.
    std::vector<MPI_Comm> live(200);
    for (MPI_Comm& c : live) ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(MPI_COMM_WORLD, &c));
    int right = (rank() + 1) % size(), left = (rank() - 1 + size()) % size();
    bool ok = true;
    for (size_t i = 0; i < live.size(); ++i) {
        int v = static_cast<int>(i), got = -1;
        MPI_Sendrecv(&v, 1, MPI_INT, right, 0, &got, 1, MPI_INT, left, 0, live[i],
                     MPI_STATUS_IGNORE);
        ok = ok && got == v;
    }
    EXPECT_TRUE(all_true(ok));
    for (MPI_Comm& c : live) MPI_Comm_free(&c);
}

// True on every rank when communicators `cs` (each congruent to the world) keep their traffic
// apart: one receive per communicator from the same source with the same tag, the sends in
// the reverse order. Two that shared a context id would swap messages.
bool traffic_separate(const std::vector<MPI_Comm>& cs) {
    int right = (rank() + 1) % size(), left = (rank() - 1 + size()) % size();
    std::vector<int> got(cs.size(), -1);
    std::vector<MPI_Request> rq(cs.size());
    for (size_t i = 0; i < cs.size(); ++i)
        MPI_Irecv(&got[i], 1, MPI_INT, left, 4, cs[i], &rq[i]);
    for (size_t i = cs.size(); i-- > 0;) {
        int v = static_cast<int>(i) * 1000 + rank();
        MPI_Send(&v, 1, MPI_INT, right, 4, cs[i]);
    }
    MPI_Waitall(static_cast<int>(rq.size()), rq.data(), MPI_STATUSES_IGNORE);
    bool ok = true;
    for (size_t i = 0; i < cs.size(); ++i) ok = ok && got[i] == static_cast<int>(i) * 1000 + left;
    return all_true(ok);
}

TEST(Comm, IdupIsRefusedUntilCompleteThenCongruent) {
    ReturnErrors scope;
    int kv = MPI_KEYVAL_INVALID;
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &kv, nullptr);
    MPI_Comm parent;
    MPI_Comm_dup(MPI_COMM_WORLD, &parent);
    static int marker = 9;
    MPI_Comm_set_attr(parent, kv, &marker);
    MPI_Comm d = MPI_COMM_NULL;
    MPI_Request r = MPI_REQUEST_NULL;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_idup(parent, &d, &r));
    ASSERT_NE(MPI_COMM_NULL, d);
    int flag = 0;
    MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
    if (!flag) {  // still agreeing: the handle exists but no call takes it
        int n = 0;
        EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_size(d, &n)));
    }
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
    EXPECT_EQ(MPI_REQUEST_NULL, r);
    int cmp = -1;
    MPI_Comm_compare(parent, d, &cmp);
    EXPECT_EQ(MPI_CONGRUENT, cmp);
    void* v = nullptr;
    MPI_Comm_get_attr(d, kv, &v, &flag);
    EXPECT_EQ(1, flag);
    EXPECT_EQ(&marker, v);
    EXPECT_TRUE(traffic_separate({MPI_COMM_WORLD, parent, d}));
    MPI_Comm_free(&d);
    MPI_Comm_free(&parent);
    MPI_Comm_free_keyval(&kv);
    // Bad input.
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Comm_idup(MPI_COMM_WORLD, &d, nullptr)));
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_idup(MPI_COMM_NULL, &d, &r)));
}

TEST(Comm, IdupNeverSharesAnIdWithCommunicatorsMadeMeanwhile) {
    // Pending idups with blocking dups and splits started in between: the id an idup first
    // settles on is taken by the blocking ones, and must be tried again.
    for (int iter = 0; iter < 50; ++iter) {
        std::vector<MPI_Comm> made(3, MPI_COMM_NULL);
        MPI_Request rq[2];
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_idup(MPI_COMM_WORLD, &made[0], &rq[0]));
        MPI_Comm blocking;
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(MPI_COMM_WORLD, &blocking));
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_idup(MPI_COMM_WORLD, &made[1], &rq[1]));
        MPI_Comm half;  // a communicator of some of the ranks, made while both are pending
        MPI_Comm_split(MPI_COMM_WORLD, rank() % 2, rank(), &half);
        if (iter % 2) MPI_Waitall(2, rq, MPI_STATUSES_IGNORE);
        else {
            MPI_Wait(&rq[1], MPI_STATUS_IGNORE);
            MPI_Wait(&rq[0], MPI_STATUS_IGNORE);
        }
        made[2] = blocking;
        ASSERT_TRUE(traffic_separate(made)) << "iteration " << iter;
        for (MPI_Comm& c : made) MPI_Comm_free(&c);
        MPI_Comm_free(&half);
    }
    // Many idups pending at once on one parent, completed in reverse.
    std::vector<MPI_Comm> many(20);
    std::vector<MPI_Request> rq(many.size());
    for (size_t i = 0; i < many.size(); ++i) MPI_Comm_idup(MPI_COMM_WORLD, &many[i], &rq[i]);
    for (size_t i = many.size(); i-- > 0;) MPI_Wait(&rq[i], MPI_STATUS_IGNORE);
    EXPECT_TRUE(traffic_separate(many));
    for (MPI_Comm& c : many) MPI_Comm_free(&c);
}

TEST(Comm, CreateFromGroups) {
    MPI_Group world_group, evens, firsts;
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    int n_even = (size() + 1) / 2;
    int range[1][3] = {{0, size() - 1, 2}};
    MPI_Group_range_incl(world_group, 1, range, &evens);
    // MPI_Comm_create: everyone calls, the evens get the communicator.
    MPI_Comm even_comm;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_create(MPI_COMM_WORLD, evens, &even_comm));
    if (rank() % 2) {
        EXPECT_EQ(MPI_COMM_NULL, even_comm);
    } else {
        int r = -1, s = -1;
        MPI_Comm_rank(even_comm, &r);
        MPI_Comm_size(even_comm, &s);
        EXPECT_EQ(rank() / 2, r);
        EXPECT_EQ(n_even, s);
        int v = rank(), got = -1;
        MPI_Sendrecv(&v, 1, MPI_INT, (r + 1) % s, 3, &got, 1, MPI_INT, (r - 1 + s) % s, 3,
                     even_comm, MPI_STATUS_IGNORE);
        EXPECT_EQ(2 * ((r - 1 + s) % s), got);
        MPI_Group g;
        MPI_Comm_group(even_comm, &g);
        int result = -1;
        MPI_Group_compare(g, evens, &result);
        EXPECT_EQ(MPI_IDENT, result);
        MPI_Group_free(&g);
        MPI_Comm_free(&even_comm);
    }
    // MPI_Comm_create_group: only the members call (the first half, in reverse order).
    int n_first = (size() + 1) / 2;
    std::vector<int> members;
    for (int i = n_first - 1; i >= 0; --i) members.push_back(i);
    MPI_Group_incl(world_group, n_first, members.data(), &firsts);
    if (rank() < n_first) {
        MPI_Comm first_comm;
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_create_group(MPI_COMM_WORLD, firsts, 9, &first_comm));
        int r = -1;
        MPI_Comm_rank(first_comm, &r);
        EXPECT_EQ(n_first - 1 - rank(), r);
        MPI_Barrier(first_comm);
        MPI_Comm_free(&first_comm);
    }
    MPI_Group_free(&firsts);
    MPI_Group_free(&evens);
    MPI_Group_free(&world_group);
    MPI_Barrier(MPI_COMM_WORLD);
}

TEST(Comm, NamesAndQueries) {
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;
    MPI_Comm_get_name(dup, name, &len);
    EXPECT_EQ(0, len);  // a duplicate has no name
    MPI_Comm_set_name(dup, "rows");
    MPI_Comm_get_name(dup, name, &len);
    EXPECT_EQ(std::string("rows"), std::string(name, static_cast<size_t>(len)));
    int flag = 1;
    MPI_Comm_test_inter(dup, &flag);
    EXPECT_EQ(0, flag);
    MPI_Comm_free(&dup);
    // Hints: accepted, none in effect yet.
    MPI_Info hints, used;
    MPI_Info_create(&hints);
    MPI_Info_set(hints, "mpi_assert_no_any_tag", "true");
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup_with_info(MPI_COMM_WORLD, hints, &dup));
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_set_info(dup, hints));
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_get_info(dup, &used));
    int nkeys = -1;
    MPI_Info_get_nkeys(used, &nkeys);
    EXPECT_EQ(0, nkeys);
    MPI_Info_free(&used);
    MPI_Info_free(&hints);
    MPI_Barrier(dup);
    MPI_Comm_free(&dup);
}

// ---------------------------------------------------------------- attributes

std::vector<std::string> g_log;  // what the callbacks did, in order

int copy_plus_one(MPI_Comm, int, void* extra, void* in, void* out, int* flag) {
    g_log.push_back("copy");
    auto* v = new long(*static_cast<long*>(in) + 1);
    *static_cast<void**>(out) = v;
    *flag = 1;
    (void)extra;
    return MPI_SUCCESS;
}

int delete_logged(MPI_Comm, int, void* value, void*) {
    g_log.push_back("delete " + std::to_string(*static_cast<long*>(value)));
    delete static_cast<long*>(value);
    return MPI_SUCCESS;
}

int copy_fails(MPI_Comm, int, void*, void*, void*, int*) { return MPI_ERR_OTHER; }

TEST(Comm, PredefinedAttributes) {
    void* v = nullptr;
    int flag = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag));
    ASSERT_EQ(1, flag);
    EXPECT_GE(*static_cast<int*>(v), 32767);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &v, &flag);
    ASSERT_EQ(1, flag);
    EXPECT_EQ(size(), *static_cast<int*>(v));
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_WTIME_IS_GLOBAL, &v, &flag);
    EXPECT_EQ(0, *static_cast<int*>(v));
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_HOST, &v, &flag);
    EXPECT_EQ(MPI_PROC_NULL, *static_cast<int*>(v));
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_IO, &v, &flag);
    EXPECT_EQ(MPI_ANY_SOURCE, *static_cast<int*>(v));
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &v, &flag);
    EXPECT_GE(*static_cast<int*>(v), MPI_ERR_LASTCODE);
    MPI_Attr_get(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag);  // the deprecated form
    EXPECT_EQ(1, flag);
}

TEST(Comm, AttributeCallbacksOnDupSetDeleteAndFree) {
    g_log.clear();
    int kv = MPI_KEYVAL_INVALID, plain = MPI_KEYVAL_INVALID, dup_fn = MPI_KEYVAL_INVALID;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_create_keyval(copy_plus_one, delete_logged, &kv, nullptr));
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &plain, nullptr);
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &dup_fn, nullptr);
    MPI_Comm a;
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    static int marker = 42;
    MPI_Comm_set_attr(a, kv, new long(10));
    MPI_Comm_set_attr(a, kv, new long(20));  // the old value is deleted first
    MPI_Comm_set_attr(a, plain, &marker);
    MPI_Comm_set_attr(a, dup_fn, &marker);
    MPI_Comm b;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(a, &b));
    void* v = nullptr;
    int flag = 0;
    MPI_Comm_get_attr(b, kv, &v, &flag);
    ASSERT_EQ(1, flag);
    EXPECT_EQ(21, *static_cast<long*>(v));  // copied through the callback
    MPI_Comm_get_attr(b, plain, &v, &flag);
    EXPECT_EQ(0, flag);  // MPI_COMM_NULL_COPY_FN: not copied
    MPI_Comm_get_attr(b, dup_fn, &v, &flag);
    EXPECT_EQ(1, flag);  // MPI_COMM_DUP_FN: the same value
    EXPECT_EQ(&marker, v);
    MPI_Comm_free(&b);                 // deletes 21
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_delete_attr(a, kv));  // deletes 20
    MPI_Comm_set_attr(a, kv, new long(30));
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_free_keyval(&kv));
    EXPECT_EQ(MPI_KEYVAL_INVALID, kv);
    MPI_Comm_free(&a);  // the freed keyval's attribute is still deleted: 30
    std::vector<std::string> want = {"delete 10", "copy", "delete 21", "delete 20", "delete 30"};
    EXPECT_EQ(want, g_log);
    MPI_Comm_free_keyval(&plain);
    MPI_Comm_free_keyval(&dup_fn);
}

TEST(Comm, AttributeErrors) {
    ReturnErrors scope;
    int kv = MPI_KEYVAL_INVALID, bad = MPI_KEYVAL_INVALID;
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &kv, nullptr);
    void* v = nullptr;
    int flag = 1;
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_get_attr(MPI_COMM_WORLD, 123456, &v, &flag)));
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v)));
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_delete_attr(MPI_COMM_WORLD, kv)));  // not set
    int copy = kv;
    MPI_Comm_free_keyval(&kv);
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_free_keyval(&copy)));
    // A copy callback that fails fails the dup, and no communicator is left behind.
    MPI_Comm_create_keyval(copy_fails, MPI_COMM_NULL_DELETE_FN, &bad, nullptr);
    MPI_Comm a, b = MPI_COMM_NULL;
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_set_attr(a, bad, &flag);
    EXPECT_EQ(MPI_ERR_OTHER, error_class(MPI_Comm_dup(a, &b)));
    MPI_Comm_delete_attr(a, bad);
    MPI_Comm_free(&a);
    MPI_Comm_free_keyval(&bad);
}

int type_copy_plus_one(MPI_Datatype, int, void*, void* in, void* out, int* flag) {
    g_log.push_back("type copy");
    *static_cast<void**>(out) = new long(*static_cast<long*>(in) + 1);
    *flag = 1;
    return MPI_SUCCESS;
}

int type_delete_logged(MPI_Datatype, int, void* value, void*) {
    g_log.push_back("type delete " + std::to_string(*static_cast<long*>(value)));
    delete static_cast<long*>(value);
    return MPI_SUCCESS;
}

TEST(Attributes, DatatypeKeyvalsCopyOnDupAndDeleteOnFree) {
    g_log.clear();
    int kv = MPI_KEYVAL_INVALID;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_create_keyval(type_copy_plus_one, type_delete_logged, &kv, nullptr));
    MPI_Datatype t, u;
    MPI_Type_contiguous(3, MPI_INT, &t);
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_set_attr(t, kv, new long(5)));
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_dup(t, &u));
    void* v = nullptr;
    int flag = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_get_attr(u, kv, &v, &flag));
    ASSERT_EQ(1, flag);
    EXPECT_EQ(6, *static_cast<long*>(v));
    MPI_Type_free(&u);                                   // deletes 6
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_delete_attr(t, kv));  // deletes 5
    MPI_Type_get_attr(t, kv, &v, &flag);
    EXPECT_EQ(0, flag);
    MPI_Type_set_attr(t, kv, new long(7));
    MPI_Type_free(&t);  // deletes 7
    // Predefined types carry attributes too.
    static int marker = 3;
    int plain = MPI_KEYVAL_INVALID;
    MPI_Type_create_keyval(MPI_TYPE_DUP_FN, MPI_TYPE_NULL_DELETE_FN, &plain, nullptr);
    ASSERT_EQ(MPI_SUCCESS, MPI_Type_set_attr(MPI_DOUBLE, plain, &marker));
    MPI_Type_get_attr(MPI_DOUBLE, plain, &v, &flag);
    EXPECT_EQ(1, flag);
    EXPECT_EQ(&marker, v);
    MPI_Type_delete_attr(MPI_DOUBLE, plain);
    std::vector<std::string> want = {"type copy", "type delete 6", "type delete 5",
                                     "type delete 7"};
    EXPECT_EQ(want, g_log);
    EXPECT_EQ(MPI_SUCCESS, MPI_Type_free_keyval(&kv));
    EXPECT_EQ(MPI_KEYVAL_INVALID, kv);
    MPI_Type_free_keyval(&plain);
}

TEST(Attributes, KeyvalOfTheWrongKindIsRefused) {
    ReturnErrors scope;
    int ckv = MPI_KEYVAL_INVALID, tkv = MPI_KEYVAL_INVALID, wkv = MPI_KEYVAL_INVALID;
    MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &ckv, nullptr);
    MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, MPI_TYPE_NULL_DELETE_FN, &tkv, nullptr);
    ASSERT_EQ(MPI_SUCCESS, MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, MPI_WIN_NULL_DELETE_FN, &wkv, nullptr));
    static int x = 1;
    void* v = nullptr;
    int flag = 0;
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Type_set_attr(MPI_INT, ckv, &x)));
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_set_attr(MPI_COMM_WORLD, tkv, &x)));
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_get_attr(MPI_COMM_WORLD, wkv, &v, &flag)));
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Type_get_attr(MPI_INT, MPI_TAG_UB, &v, &flag)));
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Comm_free_keyval(&tkv)));
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Type_free_keyval(&wkv)));
    EXPECT_EQ(MPI_SUCCESS, MPI_Comm_free_keyval(&ckv));
    EXPECT_EQ(MPI_ERR_TYPE, error_class(MPI_Type_set_attr(MPI_DATATYPE_NULL, tkv, &x)));
    // No windows exist yet: every window argument is invalid.
    EXPECT_EQ(MPI_ERR_WIN, error_class(MPI_Win_set_attr(MPI_WIN_NULL, wkv, &x)));
    EXPECT_EQ(MPI_ERR_WIN, error_class(MPI_Win_get_attr(MPI_WIN_NULL, wkv, &v, &flag)));
    EXPECT_EQ(MPI_ERR_WIN, error_class(MPI_Win_delete_attr(MPI_WIN_NULL, wkv)));
    EXPECT_EQ(MPI_SUCCESS, MPI_Type_free_keyval(&tkv));
    EXPECT_EQ(MPI_SUCCESS, MPI_Win_free_keyval(&wkv));
    EXPECT_EQ(MPI_ERR_KEYVAL, error_class(MPI_Win_free_keyval(&wkv)));  // now invalid
}

// ---------------------------------------------------------------- Cartesian topologies

std::vector<int> dims_of(int nnodes, std::vector<int> dims) {
    MPI_Dims_create(nnodes, static_cast<int>(dims.size()), dims.data());
    return dims;
}

TEST(Topology, DimsCreateAgainstHandComputedAnswers) {
    EXPECT_EQ((std::vector<int>{3, 2}), dims_of(6, {0, 0}));
    EXPECT_EQ((std::vector<int>{3, 2, 2}), dims_of(12, {0, 0, 0}));
    EXPECT_EQ((std::vector<int>{2, 2, 2, 2}), dims_of(16, {0, 0, 0, 0}));
    EXPECT_EQ((std::vector<int>{7, 1}), dims_of(7, {0, 0}));
    EXPECT_EQ((std::vector<int>{6, 4}), dims_of(24, {0, 0}));
    EXPECT_EQ((std::vector<int>{4, 3}), dims_of(12, {0, 3}));
    EXPECT_EQ((std::vector<int>{2, 5, 1}), dims_of(10, {2, 0, 0}));
}

TEST(Topology, CartesianGridRanksCoordsShiftsAndSub) {
    std::vector<int> dims = dims_of(size(), {0, 0});
    int periods[2] = {1, 0};
    MPI_Comm grid;
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_create(MPI_COMM_WORLD, 2, dims.data(), periods, 1, &grid));
    int status = -1;
    MPI_Topo_test(grid, &status);
    EXPECT_EQ(MPI_CART, status);
    MPI_Topo_test(MPI_COMM_WORLD, &status);
    EXPECT_EQ(MPI_UNDEFINED, status);
    int nd = -1, r = -1;
    MPI_Cartdim_get(grid, &nd);
    EXPECT_EQ(2, nd);
    MPI_Comm_rank(grid, &r);
    int gd[2], gp[2], gc[2];
    MPI_Cart_get(grid, 2, gd, gp, gc);
    EXPECT_EQ(dims[0], gd[0]);
    EXPECT_EQ(1, gp[0]);
    EXPECT_EQ(0, gp[1]);
    EXPECT_EQ(r / dims[1], gc[0]);  // row-major
    EXPECT_EQ(r % dims[1], gc[1]);
    for (int k = 0; k < size(); ++k) {  // coords and rank are inverse
        int c[2], back = -1;
        MPI_Cart_coords(grid, k, 2, c);
        MPI_Cart_rank(grid, c, &back);
        EXPECT_EQ(k, back);
    }
    int wrapped[2] = {gc[0] + dims[0], gc[1]}, back = -1;  // periodic dimension wraps
    MPI_Cart_rank(grid, wrapped, &back);
    EXPECT_EQ(r, back);
    // Shifts: dimension 0 periodic, dimension 1 not.
    int src = -1, dst = -1;
    MPI_Cart_shift(grid, 0, 1, &src, &dst);
    EXPECT_EQ(((gc[0] + 1) % dims[0]) * dims[1] + gc[1], dst);
    EXPECT_EQ(((gc[0] - 1 + dims[0]) % dims[0]) * dims[1] + gc[1], src);
    MPI_Cart_shift(grid, 1, 1, &src, &dst);
    EXPECT_EQ(gc[1] + 1 < dims[1] ? r + 1 : MPI_PROC_NULL, dst);
    EXPECT_EQ(gc[1] > 0 ? r - 1 : MPI_PROC_NULL, src);
    // A halo exchange along dimension 0.
    MPI_Cart_shift(grid, 0, 1, &src, &dst);
    int mine = r, got = -1;
    MPI_Sendrecv(&mine, 1, MPI_INT, dst, 4, &got, 1, MPI_INT, src, 4, grid, MPI_STATUS_IGNORE);
    EXPECT_EQ(src, got);
    // Rows: keep dimension 1.
    int remain[2] = {0, 1};
    MPI_Comm row;
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_sub(grid, remain, &row));
    int rs = -1, rr = -1;
    MPI_Comm_size(row, &rs);
    MPI_Comm_rank(row, &rr);
    EXPECT_EQ(dims[1], rs);
    EXPECT_EQ(gc[1], rr);
    MPI_Cartdim_get(row, &nd);
    EXPECT_EQ(1, nd);
    MPI_Comm copy;
    MPI_Comm_dup(grid, &copy);  // the topology goes with a dup
    MPI_Topo_test(copy, &status);
    EXPECT_EQ(MPI_CART, status);
    MPI_Comm_free(&copy);
    MPI_Comm_free(&row);
    MPI_Comm_free(&grid);
    // A grid smaller than the communicator: the rest get MPI_COMM_NULL.
    int one = 1, no = 0;
    MPI_Comm small;
    ASSERT_EQ(MPI_SUCCESS, MPI_Cart_create(MPI_COMM_WORLD, 1, &one, &no, 0, &small));
    if (rank() == 0) {
        EXPECT_NE(MPI_COMM_NULL, small);
        MPI_Comm_free(&small);
    } else {
        EXPECT_EQ(MPI_COMM_NULL, small);
    }
}

TEST(Topology, GraphAndDistributedGraph) {
    int n = size(), right = (rank() + 1) % n, left = (rank() - 1 + n) % n;
    // A ring as a graph: node i's neighbours are i+1 and i-1 (once each when they coincide).
    std::vector<int> index, edges;
    for (int i = 0; i < n; ++i) {
        std::vector<int> nb;
        if (n > 1) nb.push_back((i + 1) % n);
        if (n > 2) nb.push_back((i - 1 + n) % n);
        edges.insert(edges.end(), nb.begin(), nb.end());
        index.push_back(static_cast<int>(edges.size()));
    }
    MPI_Comm g;
    ASSERT_EQ(MPI_SUCCESS, MPI_Graph_create(MPI_COMM_WORLD, n, index.data(), edges.data(), 0, &g));
    int status = -1, nn = -1, ne = -1, count = -1;
    MPI_Topo_test(g, &status);
    EXPECT_EQ(MPI_GRAPH, status);
    MPI_Graphdims_get(g, &nn, &ne);
    EXPECT_EQ(n, nn);
    EXPECT_EQ(static_cast<int>(edges.size()), ne);
    MPI_Graph_neighbors_count(g, rank(), &count);
    EXPECT_EQ(n > 2 ? 2 : n - 1, count);
    if (count > 0) {
        std::vector<int> nb(static_cast<size_t>(count));
        MPI_Graph_neighbors(g, rank(), count, nb.data());
        EXPECT_EQ(right, nb[0]);
    }
    std::vector<int> gi(static_cast<size_t>(n)), ge(edges.size() + 1);
    MPI_Graph_get(g, n, static_cast<int>(ge.size()), gi.data(), ge.data());
    EXPECT_EQ(index, gi);
    MPI_Comm_free(&g);

    // The same ring as a distributed graph, adjacent form, weighted.
    MPI_Comm d;
    int w_in = 10 + left, w_out = 10 + rank();
    ASSERT_EQ(MPI_SUCCESS, MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, &left, &w_in, 1,
                                                          &right, &w_out, MPI_INFO_NULL, 0, &d));
    MPI_Topo_test(d, &status);
    EXPECT_EQ(MPI_DIST_GRAPH, status);
    int indeg = -1, outdeg = -1, weighted = -1;
    MPI_Dist_graph_neighbors_count(d, &indeg, &outdeg, &weighted);
    EXPECT_EQ(1, indeg);
    EXPECT_EQ(1, outdeg);
    EXPECT_EQ(1, weighted);
    MPI_Comm_free(&d);

    // General form: rank 0 names every edge i -> i+1 with weight i; the others none.
    std::vector<int> src, deg, dst, wt;
    if (rank() == 0)
        for (int i = 0; i < n; ++i) {
            src.push_back(i);
            deg.push_back(1);
            dst.push_back((i + 1) % n);
            wt.push_back(i);
        }
    ASSERT_EQ(MPI_SUCCESS, MPI_Dist_graph_create(MPI_COMM_WORLD, static_cast<int>(src.size()),
                                                 src.data(), deg.data(), dst.data(), wt.data(),
                                                 MPI_INFO_NULL, 0, &d));
    MPI_Dist_graph_neighbors_count(d, &indeg, &outdeg, &weighted);
    ASSERT_EQ(1, indeg);
    ASSERT_EQ(1, outdeg);
    int s_in = -1, s_w = -1, d_out = -1, d_w = -1;
    MPI_Dist_graph_neighbors(d, 1, &s_in, &s_w, 1, &d_out, &d_w);
    EXPECT_EQ(left, s_in);
    EXPECT_EQ(left, s_w);
    EXPECT_EQ(right, d_out);
    EXPECT_EQ(rank(), d_w);
    MPI_Comm_free(&d);
}

TEST(Topology, BadInput) {
    ReturnErrors scope;
    int nd = 0;
    EXPECT_EQ(MPI_ERR_TOPOLOGY, error_class(MPI_Cartdim_get(MPI_COMM_WORLD, &nd)));
    int too_many = size() + 1, no = 0;
    MPI_Comm c;
    EXPECT_EQ(MPI_ERR_DIMS,
              error_class(MPI_Cart_create(MPI_COMM_WORLD, 1, &too_many, &no, 0, &c)));
    int dims[2] = {3, 0};
    EXPECT_EQ(MPI_ERR_DIMS, error_class(MPI_Dims_create(10, 2, dims)));
    int d = size(), grid_no = 0, coords[1] = {size()};
    MPI_Cart_create(MPI_COMM_WORLD, 1, &d, &grid_no, 0, &c);
    int r = -1;
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Cart_rank(c, coords, &r)));  // not periodic
    int src, dst;
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Cart_shift(c, 1, 1, &src, &dst)));
    int nn, ne;
    EXPECT_EQ(MPI_ERR_TOPOLOGY, error_class(MPI_Graphdims_get(c, &nn, &ne)));  // a cart
    MPI_Comm_free(&c);
    int index[1] = {1}, edges[1] = {5};  // node 5 does not exist in a 1-node graph
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Graph_create(MPI_COMM_WORLD, 1, index, edges, 0, &c)));
}

TEST(Comm, BadInput) {
    ReturnErrors scope;
    MPI_Comm world = MPI_COMM_WORLD, c;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_free(&world)));
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_dup(MPI_COMM_NULL, &c)));
    // An invalid colour on one rank: every rank gets the error, nobody hangs.
    int rc = MPI_Comm_split(MPI_COMM_WORLD, rank() == size() - 1 ? -5 : 0, 0, &c);
    EXPECT_EQ(MPI_ERR_ARG, error_class(rc));
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Comm_split_type(MPI_COMM_WORLD, 12345, 0,
                                                           MPI_INFO_NULL, &c)));
    // A freed communicator is an error, not a crash.
    MPI_Comm dup, stale;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    stale = dup;
    MPI_Comm_free(&dup);
    int r = -1;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_rank(stale, &r)));
    int x = 0;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Send(&x, 1, MPI_INT, 0, 0, stale)));
    int size_out = 0;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_remote_size(MPI_COMM_WORLD, &size_out)));
}

}  // namespace

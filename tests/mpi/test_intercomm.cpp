// Intercommunicators: MPI_Intercomm_create between the even and odd ranks of the world (each
// group numbered in reverse, so local, remote and job ranks all differ), point-to-point and
// collectives across them, queries, dup, merge, many created and freed, and the calls that
// refuse them.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::all_true;
using efampi::test::error_class;
using efampi::test::rank;
using efampi::test::ReturnErrors;
using efampi::test::size;

namespace {

// The even/odd intercommunicator. Group members are ordered by descending job rank; the
// leaders are the highest even and the highest odd job rank.
struct EvenOdd {
    MPI_Comm local = MPI_COMM_NULL, inter = MPI_COMM_NULL;
    int colour = 0;
    std::vector<int> mine, theirs;  // job ranks of each group, in group rank order

    explicit EvenOdd(int tag = 77) {
        colour = rank() % 2;
        for (int r = size() - 1; r >= 0; --r) (r % 2 == colour ? mine : theirs).push_back(r);
        MPI_Comm_split(MPI_COMM_WORLD, colour, -rank(), &local);
        int rc = MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, theirs[0], tag, &inter);
        EXPECT_EQ(MPI_SUCCESS, rc);
    }
    ~EvenOdd() {
        if (inter != MPI_COMM_NULL) MPI_Comm_free(&inter);
        MPI_Comm_free(&local);
    }
    int local_rank() const {
        for (size_t i = 0; i < mine.size(); ++i)
            if (mine[i] == rank()) return static_cast<int>(i);
        return -1;
    }
};

#define NEED_TWO() \
    if (size() < 2) GTEST_SKIP() << "an intercommunicator needs two groups: run with 2+ ranks"

TEST(Intercomm, CreateAndQuery) {
    NEED_TWO();
    EvenOdd eo;
    int flag = 0, n = 0, r = -1;
    MPI_Comm_test_inter(eo.inter, &flag);
    EXPECT_EQ(1, flag);
    MPI_Comm_test_inter(eo.local, &flag);
    EXPECT_EQ(0, flag);
    MPI_Comm_size(eo.inter, &n);
    EXPECT_EQ(static_cast<int>(eo.mine.size()), n);
    MPI_Comm_rank(eo.inter, &r);
    EXPECT_EQ(eo.local_rank(), r);
    MPI_Comm_remote_size(eo.inter, &n);
    EXPECT_EQ(static_cast<int>(eo.theirs.size()), n);
    // The remote group, translated to the world, is the other group in its rank order.
    MPI_Group remote, world;
    MPI_Comm_remote_group(eo.inter, &remote);
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    std::vector<int> idx(eo.theirs.size()), out(eo.theirs.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int>(i);
    MPI_Group_translate_ranks(remote, static_cast<int>(idx.size()), idx.data(), world, out.data());
    EXPECT_EQ(eo.theirs, out);
    MPI_Group local;
    MPI_Comm_group(eo.inter, &local);
    MPI_Group_size(local, &n);
    EXPECT_EQ(static_cast<int>(eo.mine.size()), n);
    MPI_Group_free(&remote);
    MPI_Group_free(&local);
    MPI_Group_free(&world);
}

TEST(Intercomm, PointToPointNamesTheRemoteGroup) {
    NEED_TWO();
    EvenOdd eo;
    int me = eo.local_rank();
    int nremote = static_cast<int>(eo.theirs.size());
    // Every rank sends one message to every remote rank, then receives one from each, first by
    // source, then (second round) with MPI_ANY_SOURCE.
    for (int round = 0; round < 2; ++round) {
        std::vector<MPI_Request> reqs;
        std::vector<int> out(static_cast<size_t>(nremote)), in(static_cast<size_t>(nremote), -1);
        for (int d = 0; d < nremote; ++d) {
            out[static_cast<size_t>(d)] = rank() * 1000 + d;
            MPI_Request q;
            MPI_Isend(&out[static_cast<size_t>(d)], 1, MPI_INT, d, 5 + round, eo.inter, &q);
            reqs.push_back(q);
        }
        for (int s = 0; s < nremote; ++s) {
            MPI_Status st;
            int v = -1;
            MPI_Recv(&v, 1, MPI_INT, round ? MPI_ANY_SOURCE : s, 5 + round, eo.inter, &st);
            ASSERT_GE(st.MPI_SOURCE, 0);
            ASSERT_LT(st.MPI_SOURCE, nremote);
            // The sender is remote rank MPI_SOURCE, i.e. job rank theirs[MPI_SOURCE], and it
            // wrote our local rank into the value.
            EXPECT_EQ(eo.theirs[static_cast<size_t>(st.MPI_SOURCE)] * 1000 + me, v);
            if (!round) EXPECT_EQ(s, st.MPI_SOURCE);
            EXPECT_EQ(5 + round, st.MPI_TAG);
        }
        MPI_Waitall(static_cast<int>(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE);
    }
    // Sendrecv with the same-numbered remote rank (wrapping on the bigger group).
    int peer = me % nremote, got = -1, mine = rank();
    int from = -1;
    // Ranks of the smaller group may be asked by several: pair only ranks both sides agree on.
    if (me < nremote && me < static_cast<int>(eo.mine.size())) {
        MPI_Status st;
        MPI_Sendrecv(&mine, 1, MPI_INT, peer, 9, &got, 1, MPI_INT, peer, 9, eo.inter, &st);
        from = st.MPI_SOURCE;
        EXPECT_EQ(eo.theirs[static_cast<size_t>(peer)], got);
        EXPECT_EQ(peer, from);
    }
    EXPECT_TRUE(all_true(!::testing::Test::HasFailure()));
}

TEST(Intercomm, DupIsCongruentAndItsTrafficIsSeparate) {
    NEED_TWO();
    EvenOdd eo;
    MPI_Comm d;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(eo.inter, &d));
    int flag = 0, cmp = -1;
    MPI_Comm_test_inter(d, &flag);
    EXPECT_EQ(1, flag);
    MPI_Comm_compare(eo.inter, d, &cmp);
    EXPECT_EQ(MPI_CONGRUENT, cmp);
    MPI_Comm_compare(eo.inter, eo.local, &cmp);
    EXPECT_EQ(MPI_UNEQUAL, cmp);
    // Same peer, same tag: the message on the parent must not match the receive on the dup.
    if (eo.local_rank() == 0) {
        int a = 1, b = 2;
        if (eo.colour == 0) {
            MPI_Send(&a, 1, MPI_INT, 0, 3, eo.inter);
            MPI_Send(&b, 1, MPI_INT, 0, 3, d);
        } else {
            int x = 0, y = 0;
            MPI_Recv(&y, 1, MPI_INT, 0, 3, d, MPI_STATUS_IGNORE);
            MPI_Recv(&x, 1, MPI_INT, 0, 3, eo.inter, MPI_STATUS_IGNORE);
            EXPECT_EQ(2, y);
            EXPECT_EQ(1, x);
        }
    }
    MPI_Comm_free(&d);
    EXPECT_EQ(MPI_COMM_NULL, d);
    // Nonblocking dups, with a blocking one made while they are pending.
    MPI_Comm i1, i2, b;
    MPI_Request rq[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_idup(eo.inter, &i1, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(eo.inter, &b));
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_idup(eo.inter, &i2, &rq[1]));
    MPI_Waitall(2, rq, MPI_STATUSES_IGNORE);
    MPI_Comm_compare(eo.inter, i2, &cmp);
    EXPECT_EQ(MPI_CONGRUENT, cmp);
    MPI_Comm_test_inter(i1, &flag);
    EXPECT_EQ(1, flag);
    // Leaders: one message on each of the four, same tag, received in reverse order.
    if (eo.local_rank() == 0) {
        MPI_Comm all4[4] = {eo.inter, i1, b, i2};
        if (eo.colour == 0) {
            for (int k = 0; k < 4; ++k) MPI_Send(&k, 1, MPI_INT, 0, 8, all4[k]);
        } else {
            for (int k = 3; k >= 0; --k) {
                int got = -1;
                MPI_Recv(&got, 1, MPI_INT, 0, 8, all4[k], MPI_STATUS_IGNORE);
                EXPECT_EQ(k, got);
            }
        }
    }
    MPI_Comm_free(&i1);
    MPI_Comm_free(&i2);
    MPI_Comm_free(&b);
}

TEST(Intercomm, MergeOrdersByHighThenByLeader) {
    NEED_TWO();
    EvenOdd eo;
    for (int mode = 0; mode < 3; ++mode) {
        // mode 0: evens low; 1: evens high; 2: both low (the group whose leader has the lower
        // job rank first).
        int high = mode == 2 ? 0 : (mode == 0 ? eo.colour : 1 - eo.colour);
        MPI_Comm m;
        ASSERT_EQ(MPI_SUCCESS, MPI_Intercomm_merge(eo.inter, high, &m));
        int flag = 1, n = 0, r = -1;
        MPI_Comm_test_inter(m, &flag);
        EXPECT_EQ(0, flag);
        MPI_Comm_size(m, &n);
        EXPECT_EQ(size(), n);
        bool mine_first;
        if (mode == 2) mine_first = eo.mine[0] < eo.theirs[0];
        else mine_first = high == 0;
        std::vector<int> order = mine_first ? eo.mine : eo.theirs;
        const std::vector<int>& rest = mine_first ? eo.theirs : eo.mine;
        order.insert(order.end(), rest.begin(), rest.end());
        // Every member's job rank, gathered in merged-rank order, is `order`.
        std::vector<int> got(static_cast<size_t>(n));
        int me = rank();
        MPI_Allgather(&me, 1, MPI_INT, got.data(), 1, MPI_INT, m);
        EXPECT_EQ(order, got);
        MPI_Comm_rank(m, &r);
        EXPECT_EQ(me, order[static_cast<size_t>(r)]);
        MPI_Comm_free(&m);
    }
}

TEST(Intercomm, SplitAndCreate) {
    NEED_TWO();
    EvenOdd eo;
    int me = eo.local_rank();
    // Colour by local rank parity: local ranks 0, 2, ... of each group face those of the other
    // group; key reverses the order. A colour only one side has gives MPI_COMM_NULL.
    int colour = me % 2;
    MPI_Comm sc = MPI_COMM_NULL;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_split(eo.inter, colour, -me, &sc));
    auto side = [&](const std::vector<int>& group) {  // job ranks of `colour`, by key
        std::vector<int> out;
        for (size_t i = group.size(); i-- > 0;)
            if (static_cast<int>(i) % 2 == colour) out.push_back(group[i]);
        return out;
    };
    std::vector<int> want_local = side(eo.mine), want_remote = side(eo.theirs);
    if (want_remote.empty()) {
        EXPECT_EQ(MPI_COMM_NULL, sc);
    } else {
        ASSERT_NE(MPI_COMM_NULL, sc);
        int flag = 0, n = 0, r = -1;
        MPI_Comm_test_inter(sc, &flag);
        EXPECT_EQ(1, flag);
        MPI_Comm_size(sc, &n);
        EXPECT_EQ(static_cast<int>(want_local.size()), n);
        MPI_Comm_remote_size(sc, &n);
        EXPECT_EQ(static_cast<int>(want_remote.size()), n);
        MPI_Comm_rank(sc, &r);
        EXPECT_EQ(rank(), want_local[static_cast<size_t>(r)]);
        // Traffic: everyone sends its job rank to remote rank 0; remote rank 0 gets them in
        // remote rank order.
        MPI_Request q;
        int v = rank();
        MPI_Isend(&v, 1, MPI_INT, 0, 1, sc, &q);
        if (r == 0)
            for (size_t j = 0; j < want_remote.size(); ++j) {
                int got = -1;
                MPI_Recv(&got, 1, MPI_INT, static_cast<int>(j), 1, sc, MPI_STATUS_IGNORE);
                EXPECT_EQ(want_remote[j], got);
            }
        MPI_Wait(&q, MPI_STATUS_IGNORE);
        int x = 1, sum = 0;  // a collective on the split intercommunicator
        MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, sc);
        EXPECT_EQ(static_cast<int>(want_remote.size()), sum);
        MPI_Comm_free(&sc);
    }
    // MPI_Comm_create with the local group's first rank only, on each side: a 1-1
    // intercommunicator between the leaders.
    MPI_Group local, first;
    MPI_Comm_group(eo.inter, &local);
    int zero = 0;
    MPI_Group_incl(local, 1, &zero, &first);
    MPI_Comm cc = MPI_COMM_NULL;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_create(eo.inter, first, &cc));
    if (me == 0) {
        ASSERT_NE(MPI_COMM_NULL, cc);
        int n = 0, got = -1, v = rank();
        MPI_Comm_remote_size(cc, &n);
        EXPECT_EQ(1, n);
        MPI_Sendrecv(&v, 1, MPI_INT, 0, 2, &got, 1, MPI_INT, 0, 2, cc, MPI_STATUS_IGNORE);
        EXPECT_EQ(eo.theirs[0], got);
        MPI_Comm_free(&cc);
    } else {
        EXPECT_EQ(MPI_COMM_NULL, cc);
    }
    MPI_Group_free(&first);
    MPI_Group_free(&local);
    EXPECT_TRUE(all_true(!::testing::Test::HasFailure()));
}

TEST(Intercomm, ManyCreatedAndFreed) {
    NEED_TWO();
    MPI_Comm local;
    int colour = rank() % 2;
    MPI_Comm_split(MPI_COMM_WORLD, colour, rank(), &local);
    for (int i = 0; i < 300; ++i) {
        MPI_Comm ic, d;
        ASSERT_EQ(MPI_SUCCESS, MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, 1 - colour, i, &ic));
        ASSERT_EQ(MPI_SUCCESS, MPI_Comm_dup(ic, &d));
        int v = rank(), w = -1;
        int lr;
        MPI_Comm_rank(ic, &lr);
        if (lr == 0) MPI_Sendrecv(&v, 1, MPI_INT, 0, i, &w, 1, MPI_INT, 0, i, d, MPI_STATUS_IGNORE);
        if (lr == 0) ASSERT_EQ(1 - colour, w);
        MPI_Comm_free(&d);
        MPI_Comm_free(&ic);
    }
    MPI_Comm_free(&local);
}

// Every collective on the intercommunicator, in each form, against what the standard says
// each group receives from the other.
void run_collectives(EvenOdd& eo, int form) {
    MPI_Comm ic = eo.inter;
    int me = eo.local_rank();
    int p = static_cast<int>(eo.mine.size()), q = static_cast<int>(eo.theirs.size());
    auto run = [&](auto start) {  // form 0: blocking call; 1: nonblocking; 2: persistent x2
        MPI_Request r = MPI_REQUEST_NULL;
        if (form == 0) {
            start(nullptr);
            return;
        }
        start(&r);
        if (form == 2) {
            MPI_Start(&r);
            MPI_Wait(&r, MPI_STATUS_IGNORE);
            MPI_Start(&r);
            MPI_Wait(&r, MPI_STATUS_IGNORE);
            MPI_Request_free(&r);
        } else {
            MPI_Wait(&r, MPI_STATUS_IGNORE);
        }
    };
    // Barrier.
    run([&](MPI_Request* r) {
        if (!r) MPI_Barrier(ic);
        else if (form == 1) MPI_Ibarrier(ic, r);
        else MPI_Barrier_init(ic, MPI_INFO_NULL, r);
    });
    // Bcast, rooted at each rank of each group in turn.
    for (int g = 0; g < 2; ++g)
        for (int rr = 0; rr < (g == eo.colour ? p : q); ++rr) {
            std::vector<long> buf(1000, -1);
            int root;
            bool sender = g == eo.colour && rr == me;
            if (g == eo.colour) root = sender ? MPI_ROOT : MPI_PROC_NULL;
            else root = rr;
            int root_job = g == eo.colour ? eo.mine[static_cast<size_t>(rr)] : eo.theirs[static_cast<size_t>(rr)];
            if (sender)
                for (size_t i = 0; i < buf.size(); ++i) buf[i] = root_job * 100000 + static_cast<long>(i);
            run([&](MPI_Request* r) {
                if (!r) MPI_Bcast(buf.data(), 1000, MPI_LONG, root, ic);
                else if (form == 1) MPI_Ibcast(buf.data(), 1000, MPI_LONG, root, ic, r);
                else MPI_Bcast_init(buf.data(), 1000, MPI_LONG, root, ic, MPI_INFO_NULL, r);
            });
            if (g != eo.colour)
                for (size_t i = 0; i < buf.size(); i += 99)
                    ASSERT_EQ(root_job * 100000 + static_cast<long>(i), buf[i]);
            if (g == eo.colour && !sender) ASSERT_EQ(-1, buf[0]);  // PROC_NULL: untouched
        }
    // Allreduce: each group gets the sum of the other's job ranks (times i + 1).
    long their_sum = 0, my_sum = 0;
    for (int r : eo.theirs) their_sum += r;
    for (int r : eo.mine) my_sum += r;
    {
        std::vector<long> in(300), out(300, -1);
        for (size_t i = 0; i < in.size(); ++i) in[i] = rank() * static_cast<long>(i + 1);
        run([&](MPI_Request* r) {
            if (!r) MPI_Allreduce(in.data(), out.data(), 300, MPI_LONG, MPI_SUM, ic);
            else if (form == 1) MPI_Iallreduce(in.data(), out.data(), 300, MPI_LONG, MPI_SUM, ic, r);
            else MPI_Allreduce_init(in.data(), out.data(), 300, MPI_LONG, MPI_SUM, ic, MPI_INFO_NULL, r);
        });
        for (size_t i = 0; i < out.size(); ++i)
            ASSERT_EQ(their_sum * static_cast<long>(i + 1), out[i]) << "allreduce element " << i;
    }
    // Reduce to rank 0 of the evens, then of the odds.
    for (int g = 0; g < 2; ++g) {
        long in = rank(), out = -1;
        int root = g == eo.colour ? (me == 0 ? MPI_ROOT : MPI_PROC_NULL) : 0;
        run([&](MPI_Request* r) {
            if (!r) MPI_Reduce(&in, &out, 1, MPI_LONG, MPI_SUM, root, ic);
            else if (form == 1) MPI_Ireduce(&in, &out, 1, MPI_LONG, MPI_SUM, root, ic, r);
            else MPI_Reduce_init(&in, &out, 1, MPI_LONG, MPI_SUM, root, ic, MPI_INFO_NULL, r);
        });
        if (root == MPI_ROOT) ASSERT_EQ(their_sum, out);
        else ASSERT_EQ(-1, out);
    }
    // Gather to and scatter from the last rank of each group.
    for (int g = 0; g < 2; ++g) {
        int last = (g == eo.colour ? p : q) - 1;
        bool at_root = g == eo.colour && me == last;
        int root = g == eo.colour ? (at_root ? MPI_ROOT : MPI_PROC_NULL) : last;
        int v[2] = {rank(), rank() * 2};
        std::vector<int> all(2 * static_cast<size_t>(q), -1);
        run([&](MPI_Request* r) {
            if (!r) MPI_Gather(v, 2, MPI_INT, all.data(), 2, MPI_INT, root, ic);
            else if (form == 1) MPI_Igather(v, 2, MPI_INT, all.data(), 2, MPI_INT, root, ic, r);
            else MPI_Gather_init(v, 2, MPI_INT, all.data(), 2, MPI_INT, root, ic, MPI_INFO_NULL, r);
        });
        if (at_root)
            for (int j = 0; j < q; ++j) {
                ASSERT_EQ(eo.theirs[static_cast<size_t>(j)], all[2 * static_cast<size_t>(j)]);
                ASSERT_EQ(2 * eo.theirs[static_cast<size_t>(j)], all[2 * static_cast<size_t>(j) + 1]);
            }
        std::vector<int> out(2 * static_cast<size_t>(q));
        for (int j = 0; j < q; ++j) {
            out[2 * static_cast<size_t>(j)] = 7 * j;
            out[2 * static_cast<size_t>(j) + 1] = 7 * j + rank();
        }
        int got[2] = {-1, -1};
        run([&](MPI_Request* r) {
            if (!r) MPI_Scatter(out.data(), 2, MPI_INT, got, 2, MPI_INT, root, ic);
            else if (form == 1) MPI_Iscatter(out.data(), 2, MPI_INT, got, 2, MPI_INT, root, ic, r);
            else MPI_Scatter_init(out.data(), 2, MPI_INT, got, 2, MPI_INT, root, ic, MPI_INFO_NULL, r);
        });
        if (g != eo.colour) {
            int root_job = eo.theirs[static_cast<size_t>(last)];
            ASSERT_EQ(7 * me, got[0]);
            ASSERT_EQ(7 * me + root_job, got[1]);
        } else {
            ASSERT_EQ(-1, got[0]);
        }
    }
    // Allgather: the other group's blocks in its rank order. The groups send different sizes
    // (evens 1 int, odds 2), which the standard allows between groups.
    {
        int mine_n = eo.colour ? 2 : 1, theirs_n = eo.colour ? 1 : 2;
        int v[2] = {rank(), -rank()};
        std::vector<int> all(static_cast<size_t>(q * theirs_n), -9);
        run([&](MPI_Request* r) {
            if (!r) MPI_Allgather(v, mine_n, MPI_INT, all.data(), theirs_n, MPI_INT, ic);
            else if (form == 1) MPI_Iallgather(v, mine_n, MPI_INT, all.data(), theirs_n, MPI_INT, ic, r);
            else MPI_Allgather_init(v, mine_n, MPI_INT, all.data(), theirs_n, MPI_INT, ic, MPI_INFO_NULL, r);
        });
        for (int j = 0; j < q; ++j) {
            ASSERT_EQ(eo.theirs[static_cast<size_t>(j)], all[static_cast<size_t>(j * theirs_n)]);
            if (theirs_n == 2)
                ASSERT_EQ(-eo.theirs[static_cast<size_t>(j)], all[static_cast<size_t>(j * 2 + 1)]);
        }
    }
    // Alltoall: block j to remote rank j.
    {
        std::vector<int> out(static_cast<size_t>(q)), in(static_cast<size_t>(q), -1);
        for (int j = 0; j < q; ++j) out[static_cast<size_t>(j)] = rank() * 1000 + j;
        run([&](MPI_Request* r) {
            if (!r) MPI_Alltoall(out.data(), 1, MPI_INT, in.data(), 1, MPI_INT, ic);
            else if (form == 1) MPI_Ialltoall(out.data(), 1, MPI_INT, in.data(), 1, MPI_INT, ic, r);
            else MPI_Alltoall_init(out.data(), 1, MPI_INT, in.data(), 1, MPI_INT, ic, MPI_INFO_NULL, r);
        });
        for (int j = 0; j < q; ++j)
            ASSERT_EQ(eo.theirs[static_cast<size_t>(j)] * 1000 + me, in[static_cast<size_t>(j)]);
    }
    // Reduce_scatter_block and Reduce_scatter: each group's vectors (element k of rank x is
    // x * 1000 + k) are summed and scattered over the other group.
    {
        int per = 3;
        // The standard wants both groups' vectors equally long (p_A * rc_A = p_B * rc_B):
        // rc = per * q makes both per * p * q.
        int rc = per * q, total = rc * p;
        std::vector<long> in(static_cast<size_t>(total)), out(static_cast<size_t>(rc), -1);
        for (int k = 0; k < total; ++k) in[static_cast<size_t>(k)] = rank() * 1000L + k;
        run([&](MPI_Request* r) {
            if (!r) MPI_Reduce_scatter_block(in.data(), out.data(), rc, MPI_LONG, MPI_SUM, ic);
            else if (form == 1) MPI_Ireduce_scatter_block(in.data(), out.data(), rc, MPI_LONG, MPI_SUM, ic, r);
            else MPI_Reduce_scatter_block_init(in.data(), out.data(), rc, MPI_LONG, MPI_SUM, ic, MPI_INFO_NULL, r);
        });
        for (int k = 0; k < rc; ++k)
            ASSERT_EQ(their_sum * 1000L + q * static_cast<long>(me * rc + k), out[static_cast<size_t>(k)]);
        // Vector form: local rank i gets rc_i elements, rc_i = rc except the last rank, which
        // also takes what the first gives up (one element), so the counts differ.
        std::vector<int> counts(static_cast<size_t>(p), rc);
        if (p > 1) {
            counts[0] -= 1;
            counts[static_cast<size_t>(p - 1)] += 1;
        }
        int offset = 0;
        for (int i = 0; i < me; ++i) offset += counts[static_cast<size_t>(i)];
        std::vector<long> out2(static_cast<size_t>(counts[static_cast<size_t>(me)]), -1);
        run([&](MPI_Request* r) {
            if (!r) MPI_Reduce_scatter(in.data(), out2.data(), counts.data(), MPI_LONG, MPI_SUM, ic);
            else if (form == 1) MPI_Ireduce_scatter(in.data(), out2.data(), counts.data(), MPI_LONG, MPI_SUM, ic, r);
            else MPI_Reduce_scatter_init(in.data(), out2.data(), counts.data(), MPI_LONG, MPI_SUM, ic, MPI_INFO_NULL, r);
        });
        for (int k = 0; k < counts[static_cast<size_t>(me)]; ++k)
            ASSERT_EQ(their_sum * 1000L + q * static_cast<long>(offset + k), out2[static_cast<size_t>(k)]);
    }
    // The v/w forms: remote rank j contributes j + 1 ints (its local rank + 1), placed in
    // reverse order with a gap, so counts and displacements both matter.
    auto counts_of = [&](int n) {
        std::vector<int> c(static_cast<size_t>(n)), d(static_cast<size_t>(n));
        int off = 0;
        for (int j = n - 1; j >= 0; --j) {
            c[static_cast<size_t>(j)] = j + 1;
            d[static_cast<size_t>(j)] = off;
            off += j + 2;
        }
        return std::make_pair(c, d);
    };
    auto [rc, rd] = counts_of(q);
    std::vector<int> mine_block(static_cast<size_t>(me + 1));
    for (int i = 0; i <= me; ++i) mine_block[static_cast<size_t>(i)] = rank() * 100 + i;
    auto check_blocks = [&](const std::vector<int>& all) {
        for (int j = 0; j < q; ++j)
            for (int i = 0; i <= j; ++i)
                ASSERT_EQ(eo.theirs[static_cast<size_t>(j)] * 100 + i,
                          all[static_cast<size_t>(rd[static_cast<size_t>(j)] + i)]);
    };
    {  // Allgatherv
        std::vector<int> all(static_cast<size_t>(q * (q + 2)), -1);
        run([&](MPI_Request* r) {
            if (!r) MPI_Allgatherv(mine_block.data(), me + 1, MPI_INT, all.data(), rc.data(), rd.data(), MPI_INT, ic);
            else if (form == 1) MPI_Iallgatherv(mine_block.data(), me + 1, MPI_INT, all.data(), rc.data(), rd.data(), MPI_INT, ic, r);
            else MPI_Allgatherv_init(mine_block.data(), me + 1, MPI_INT, all.data(), rc.data(), rd.data(), MPI_INT, ic, MPI_INFO_NULL, r);
        });
        check_blocks(all);
    }
    for (int g = 0; g < 2; ++g) {  // Gatherv and Scatterv, rooted at rank 0 of each group
        bool at_root = g == eo.colour && me == 0;
        int root = g == eo.colour ? (at_root ? MPI_ROOT : MPI_PROC_NULL) : 0;
        std::vector<int> all(static_cast<size_t>(q * (q + 2)), -1);
        run([&](MPI_Request* r) {
            if (!r) MPI_Gatherv(mine_block.data(), me + 1, MPI_INT, all.data(), rc.data(), rd.data(), MPI_INT, root, ic);
            else if (form == 1) MPI_Igatherv(mine_block.data(), me + 1, MPI_INT, all.data(), rc.data(), rd.data(), MPI_INT, root, ic, r);
            else MPI_Gatherv_init(mine_block.data(), me + 1, MPI_INT, all.data(), rc.data(), rd.data(), MPI_INT, root, ic, MPI_INFO_NULL, r);
        });
        if (at_root) check_blocks(all);
        // Scatterv: the root sends remote rank j the ints 10*j .. 10*j + j.
        std::vector<int> out(static_cast<size_t>(q * (q + 2)), -1);
        for (int j = 0; j < q; ++j)
            for (int i = 0; i <= j; ++i) out[static_cast<size_t>(rd[static_cast<size_t>(j)] + i)] = 10 * j + i;
        std::vector<int> got(static_cast<size_t>(me + 1), -1);
        run([&](MPI_Request* r) {
            if (!r) MPI_Scatterv(out.data(), rc.data(), rd.data(), MPI_INT, got.data(), me + 1, MPI_INT, root, ic);
            else if (form == 1) MPI_Iscatterv(out.data(), rc.data(), rd.data(), MPI_INT, got.data(), me + 1, MPI_INT, root, ic, r);
            else MPI_Scatterv_init(out.data(), rc.data(), rd.data(), MPI_INT, got.data(), me + 1, MPI_INT, root, ic, MPI_INFO_NULL, r);
        });
        if (g != eo.colour)
            for (int i = 0; i <= me; ++i) ASSERT_EQ(10 * me + i, got[static_cast<size_t>(i)]);
    }
    {  // Alltoallv and Alltoallw: remote rank j gets (me + 1) ints from me, as ints and as bytes
        std::vector<int> sc(static_cast<size_t>(q), me + 1), sd(static_cast<size_t>(q));
        std::vector<int> out(static_cast<size_t>(q * (me + 1)));
        for (int j = 0; j < q; ++j) {
            sd[static_cast<size_t>(j)] = j * (me + 1);
            for (int i = 0; i <= me; ++i) out[static_cast<size_t>(j * (me + 1) + i)] = rank() * 100 + j * 10 + i;
        }
        for (int w = 0; w < 2; ++w) {
            std::vector<int> all(static_cast<size_t>(q * (q + 2)), -1);
            std::vector<int> sdb(sd), rdb(rd);
            std::vector<MPI_Datatype> st(static_cast<size_t>(q), MPI_INT), rt(static_cast<size_t>(q), MPI_INT);
            for (int& x : sdb) x *= static_cast<int>(sizeof(int));
            for (int& x : rdb) x *= static_cast<int>(sizeof(int));
            run([&](MPI_Request* r) {
                if (w == 0) {
                    if (!r) MPI_Alltoallv(out.data(), sc.data(), sd.data(), MPI_INT, all.data(), rc.data(), rd.data(), MPI_INT, ic);
                    else if (form == 1) MPI_Ialltoallv(out.data(), sc.data(), sd.data(), MPI_INT, all.data(), rc.data(), rd.data(), MPI_INT, ic, r);
                    else MPI_Alltoallv_init(out.data(), sc.data(), sd.data(), MPI_INT, all.data(), rc.data(), rd.data(), MPI_INT, ic, MPI_INFO_NULL, r);
                } else {
                    if (!r) MPI_Alltoallw(out.data(), sc.data(), sdb.data(), st.data(), all.data(), rc.data(), rdb.data(), rt.data(), ic);
                    else if (form == 1) MPI_Ialltoallw(out.data(), sc.data(), sdb.data(), st.data(), all.data(), rc.data(), rdb.data(), rt.data(), ic, r);
                    else MPI_Alltoallw_init(out.data(), sc.data(), sdb.data(), st.data(), all.data(), rc.data(), rdb.data(), rt.data(), ic, MPI_INFO_NULL, r);
                }
            });
            for (int j = 0; j < q; ++j)
                for (int i = 0; i <= j; ++i)
                    ASSERT_EQ(eo.theirs[static_cast<size_t>(j)] * 100 + me * 10 + i,
                              all[static_cast<size_t>(rd[static_cast<size_t>(j)] + i)]) << "w " << w;
        }
    }
}

TEST(Intercomm, CollectivesBlockingNonblockingPersistent) {
    NEED_TWO();
    EvenOdd eo;
    for (int form = 0; form < 3; ++form) {
        run_collectives(eo, form);
        ASSERT_FALSE(::testing::Test::HasFatalFailure()) << "form " << form;
    }
    // On a dup too (its own context), and with nonblocking ones of both kinds outstanding.
    MPI_Comm d;
    MPI_Comm_dup(eo.inter, &d);
    int x = rank(), y = -1, z = -1;
    MPI_Request rq[2];
    MPI_Iallreduce(&x, &y, 1, MPI_INT, MPI_MAX, d, &rq[0]);
    MPI_Iallreduce(&x, &z, 1, MPI_INT, MPI_MIN, eo.inter, &rq[1]);
    MPI_Waitall(2, rq, MPI_STATUSES_IGNORE);
    EXPECT_EQ(eo.theirs[0], y);      // the highest job rank of the other group
    EXPECT_EQ(eo.theirs.back(), z);  // the lowest
    MPI_Comm_free(&d);
    EXPECT_TRUE(all_true(!::testing::Test::HasFailure()));
}

TEST(Intercomm, BadInput) {
    NEED_TWO();
    ReturnErrors scope;
    EvenOdd eo;
    MPI_Comm_set_errhandler(eo.inter, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(eo.local, MPI_ERRORS_RETURN);
    int nremote = static_cast<int>(eo.theirs.size()), v = 0, n = 0;
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Send(&v, 1, MPI_INT, nremote, 0, eo.inter)));
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Recv(&v, 1, MPI_INT, nremote, 0, eo.inter, MPI_STATUS_IGNORE)));
    EXPECT_EQ(MPI_ERR_ARG,
              error_class(MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, eo.inter)));
    EXPECT_EQ(MPI_ERR_ROOT, error_class(MPI_Bcast(&v, 1, MPI_INT, nremote, eo.inter)));
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Scan(&v, &n, 1, MPI_INT, MPI_SUM, eo.inter)));
    EXPECT_EQ(MPI_ERR_ARG,
              error_class(MPI_Reduce_scatter_block(MPI_IN_PLACE, &n, 1, MPI_INT, MPI_SUM, eo.inter)));
    int dims[1] = {0}, periods[1] = {0};
    MPI_Comm cart = MPI_COMM_NULL;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Cart_create(eo.inter, 1, dims, periods, 0, &cart)));
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_remote_size(MPI_COMM_WORLD, &n)));
    MPI_Group g;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Comm_remote_group(MPI_COMM_WORLD, &g)));
    MPI_Comm m;
    EXPECT_EQ(MPI_ERR_COMM, error_class(MPI_Intercomm_merge(MPI_COMM_WORLD, 0, &m)));
    MPI_Comm bad;
    // A negative colour on one side fails the split on both sides.
    EXPECT_EQ(MPI_ERR_ARG, error_class(MPI_Comm_split(eo.inter, eo.colour ? -5 : 0, 0, &bad)));
    EXPECT_EQ(MPI_ERR_UNSUPPORTED_OPERATION,
              error_class(MPI_Comm_split_type(eo.inter, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &bad)));
    // local_leader out of range: every member of the group says so.
    EXPECT_EQ(MPI_ERR_RANK, error_class(MPI_Intercomm_create(eo.local, 1000, MPI_COMM_WORLD, 0, 1, &bad)));
    // Both leaders name a remote leader that does not exist: both groups fail, nobody waits.
    EXPECT_EQ(MPI_ERR_RANK,
              error_class(MPI_Intercomm_create(eo.local, 0, MPI_COMM_WORLD, size(), 1, &bad)));
    // The groups must be disjoint: the leader naming itself.
    EXPECT_EQ(MPI_ERR_RANK,
              error_class(MPI_Intercomm_create(eo.local, 0, MPI_COMM_WORLD, eo.mine[0], 1, &bad)));
    EXPECT_EQ(MPI_ERR_COMM,
              error_class(MPI_Intercomm_create(eo.inter, 0, MPI_COMM_WORLD, 0, 1, &bad)));
    EXPECT_TRUE(all_true(!::testing::Test::HasFailure()));
}

}  // namespace

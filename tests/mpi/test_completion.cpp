// Probe, cancel, request free, the any/some completion calls and ready sends, at any size.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::rank;
using efampi::test::size;

namespace {

int right() { return (rank() + 1) % size(); }
int left() { return (rank() - 1 + size()) % size(); }

TEST(Completion, ProbeReportsSourceTagAndCountBeforeTheReceive) {
    for (int n : {3, 20000}) {  // eager and rendezvous (80 KB is past every eager limit)
        std::vector<int> out(static_cast<size_t>(n), rank()), in;
        MPI_Request s;
        MPI_Isend(out.data(), n, MPI_INT, right(), 40, MPI_COMM_WORLD, &s);
        MPI_Status st;
        ASSERT_EQ(MPI_SUCCESS, MPI_Probe(MPI_ANY_SOURCE, 40, MPI_COMM_WORLD, &st));
        EXPECT_EQ(left(), st.MPI_SOURCE);
        EXPECT_EQ(40, st.MPI_TAG);
        int count = -1;
        MPI_Get_count(&st, MPI_INT, &count);
        ASSERT_EQ(n, count);
        in.assign(static_cast<size_t>(count), -1);
        MPI_Recv(in.data(), count, MPI_INT, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        EXPECT_EQ(left(), in.back());
        MPI_Wait(&s, MPI_STATUS_IGNORE);
    }
    int flag = 1;
    ASSERT_EQ(MPI_SUCCESS, MPI_Iprobe(MPI_ANY_SOURCE, 41, MPI_COMM_WORLD, &flag,
                                      MPI_STATUS_IGNORE));
    EXPECT_EQ(0, flag);  // nothing was sent with tag 41
    MPI_Barrier(MPI_COMM_WORLD);
}

TEST(Completion, CancelledReceiveNeverMatches) {
    int x = -1;
    MPI_Request r;
    // Nobody sends to tag 45 (the message below uses 42): the receive cannot be matched
    // before the cancel, so the cancel must succeed.
    MPI_Irecv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 45, MPI_COMM_WORLD, &r);
    ASSERT_EQ(MPI_SUCCESS, MPI_Cancel(&r));
    MPI_Status st;
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, &st));
    int cancelled = 0;
    MPI_Test_cancelled(&st, &cancelled);
    EXPECT_EQ(1, cancelled);
    // The message sent afterwards goes to the next receive; the cancelled one is gone.
    int v = rank();
    MPI_Send(&v, 1, MPI_INT, right(), 42, MPI_COMM_WORLD);
    MPI_Recv(&x, 1, MPI_INT, left(), 42, MPI_COMM_WORLD, &st);
    EXPECT_EQ(left(), x);
    MPI_Test_cancelled(&st, &cancelled);
    EXPECT_EQ(0, cancelled);
}

TEST(Completion, CancelOfASendIsRefusedHonestlyAndTheMessageArrives) {
    int v = rank(), x = -1;
    MPI_Request s;
    MPI_Isend(&v, 1, MPI_INT, right(), 43, MPI_COMM_WORLD, &s);
    ASSERT_EQ(MPI_SUCCESS, MPI_Cancel(&s));
    MPI_Status st;
    MPI_Wait(&s, &st);
    int cancelled = 1;
    MPI_Test_cancelled(&st, &cancelled);
    EXPECT_EQ(0, cancelled);
    MPI_Recv(&x, 1, MPI_INT, left(), 43, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    EXPECT_EQ(left(), x);
}

TEST(Completion, FreedActiveRequestsStillComplete) {
    std::vector<double> out(20000, rank() + 0.5), in(20000, -1);
    MPI_Request s, r;
    MPI_Irecv(in.data(), 20000, MPI_DOUBLE, left(), 44, MPI_COMM_WORLD, &r);
    MPI_Isend(out.data(), 20000, MPI_DOUBLE, right(), 44, MPI_COMM_WORLD, &s);
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_free(&s));
    EXPECT_EQ(MPI_REQUEST_NULL, s);
    int flag = 0;
    MPI_Status st;
    while (!flag) MPI_Request_get_status(r, &flag, &st);  // does not free it
    EXPECT_EQ(left(), st.MPI_SOURCE);
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
    EXPECT_EQ(left() + 0.5, in.back());
    MPI_Barrier(MPI_COMM_WORLD);  // our freed send has been read by now
}

TEST(Completion, WaitanyAndTestanyFinishEveryRequestOnce) {
    const int n = 6;
    std::vector<int> in(n, -1), out(n);
    std::vector<MPI_Request> reqs(n);
    for (int i = 0; i < n; ++i)
        MPI_Irecv(&in[static_cast<size_t>(i)], 1, MPI_INT, left(), 50 + i, MPI_COMM_WORLD,
                  &reqs[static_cast<size_t>(i)]);
    for (int i = n - 1; i >= 0; --i) {
        out[static_cast<size_t>(i)] = rank() * 100 + i;
        MPI_Send(&out[static_cast<size_t>(i)], 1, MPI_INT, right(), 50 + i, MPI_COMM_WORLD);
    }
    std::vector<int> seen;
    for (int k = 0; k < n; ++k) {
        int idx = -1;
        MPI_Status st;
        if (k % 2) {
            int flag = 0;
            while (!flag) MPI_Testany(n, reqs.data(), &idx, &flag, &st);
        } else {
            ASSERT_EQ(MPI_SUCCESS, MPI_Waitany(n, reqs.data(), &idx, &st));
        }
        ASSERT_GE(idx, 0);
        EXPECT_EQ(50 + idx, st.MPI_TAG);
        EXPECT_EQ(MPI_REQUEST_NULL, reqs[static_cast<size_t>(idx)]);
        EXPECT_EQ(left() * 100 + idx, in[static_cast<size_t>(idx)]);
        seen.push_back(idx);
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(n, static_cast<int>(std::unique(seen.begin(), seen.end()) - seen.begin()));
    int idx = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitany(n, reqs.data(), &idx, MPI_STATUS_IGNORE));
    EXPECT_EQ(MPI_UNDEFINED, idx);  // all null now
}

TEST(Completion, WaitsomeAndTestsomeReportIndices) {
    const int n = 5;
    std::vector<int> in(n, -1), out(n, rank());
    std::vector<MPI_Request> reqs(n);
    for (int i = 0; i < n; ++i)
        MPI_Irecv(&in[static_cast<size_t>(i)], 1, MPI_INT, left(), 60 + i, MPI_COMM_WORLD,
                  &reqs[static_cast<size_t>(i)]);
    for (int i = 0; i < n; ++i)
        MPI_Rsend(&out[static_cast<size_t>(i)], 1, MPI_INT, right(), 60 + i, MPI_COMM_WORLD);
    int total = 0, rounds = 0;
    std::vector<int> idx(n);
    std::vector<MPI_Status> st(n);
    while (total < n) {
        int outcount = 0;
        if (rounds++ % 2)
            MPI_Testsome(n, reqs.data(), &outcount, idx.data(), st.data());
        else
            MPI_Waitsome(n, reqs.data(), &outcount, idx.data(), st.data());
        ASSERT_NE(MPI_UNDEFINED, outcount);
        for (int k = 0; k < outcount; ++k) {
            EXPECT_EQ(60 + idx[static_cast<size_t>(k)], st[static_cast<size_t>(k)].MPI_TAG);
            EXPECT_EQ(left(), in[static_cast<size_t>(idx[static_cast<size_t>(k)])]);
        }
        total += outcount;
    }
    EXPECT_EQ(n, total);
    int outcount = 0;
    MPI_Testsome(n, reqs.data(), &outcount, idx.data(), MPI_STATUSES_IGNORE);
    EXPECT_EQ(MPI_UNDEFINED, outcount);
    MPI_Barrier(MPI_COMM_WORLD);
}

TEST(Completion, IrsendDelivers) {
    int x = -1, v = rank();
    MPI_Request r, s;
    MPI_Irecv(&x, 1, MPI_INT, left(), 70, MPI_COMM_WORLD, &r);
    MPI_Barrier(MPI_COMM_WORLD);  // every receive is posted: ready mode is legal
    MPI_Irsend(&v, 1, MPI_INT, right(), 70, MPI_COMM_WORLD, &s);
    MPI_Wait(&s, MPI_STATUS_IGNORE);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    EXPECT_EQ(left(), x);
}

TEST(Completion, MatchedProbeKeepsItsMessage) {
    for (int n : {1, 20000}) {  // eager and rendezvous (80 KB is past every eager limit)
        std::vector<int> first(static_cast<size_t>(n), rank()), second(static_cast<size_t>(n),
                                                                       rank() + 1000);
        MPI_Request s1, s2;
        MPI_Isend(first.data(), n, MPI_INT, right(), 80, MPI_COMM_WORLD, &s1);
        MPI_Message msg;
        MPI_Status st;
        ASSERT_EQ(MPI_SUCCESS, MPI_Mprobe(left(), 80, MPI_COMM_WORLD, &msg, &st));
        int count = 0;
        MPI_Get_count(&st, MPI_INT, &count);
        EXPECT_EQ(n, count);
        // A receive posted now must not take the probed message: it gets the second one.
        std::vector<int> got2(static_cast<size_t>(n), -1), got1(static_cast<size_t>(n), -1);
        MPI_Request r;
        MPI_Irecv(got2.data(), n, MPI_INT, MPI_ANY_SOURCE, 80, MPI_COMM_WORLD, &r);
        MPI_Isend(second.data(), n, MPI_INT, right(), 80, MPI_COMM_WORLD, &s2);
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        EXPECT_EQ(left() + 1000, got2[0]);
        if (n == 1) {
            ASSERT_EQ(MPI_SUCCESS, MPI_Mrecv(got1.data(), n, MPI_INT, &msg, &st));
        } else {
            MPI_Request mr;
            ASSERT_EQ(MPI_SUCCESS, MPI_Imrecv(got1.data(), n, MPI_INT, &msg, &mr));
            MPI_Wait(&mr, &st);
        }
        EXPECT_EQ(MPI_MESSAGE_NULL, msg);
        EXPECT_EQ(left(), got1.back());
        EXPECT_EQ(left(), st.MPI_SOURCE);
        MPI_Wait(&s1, MPI_STATUS_IGNORE);
        MPI_Wait(&s2, MPI_STATUS_IGNORE);
    }
    int flag = 1;
    MPI_Message none;
    MPI_Improbe(MPI_ANY_SOURCE, 81, MPI_COMM_WORLD, &flag, &none, MPI_STATUS_IGNORE);
    EXPECT_EQ(0, flag);
    MPI_Barrier(MPI_COMM_WORLD);
}

TEST(Completion, MatchedProbeOfProcNullAndConsumedMessages) {
    MPI_Message msg;
    MPI_Status st;
    ASSERT_EQ(MPI_SUCCESS, MPI_Mprobe(MPI_PROC_NULL, 0, MPI_COMM_WORLD, &msg, &st));
    EXPECT_EQ(MPI_MESSAGE_NO_PROC, msg);
    int x = 5;
    ASSERT_EQ(MPI_SUCCESS, MPI_Mrecv(&x, 1, MPI_INT, &msg, &st));
    EXPECT_EQ(MPI_PROC_NULL, st.MPI_SOURCE);
    EXPECT_EQ(MPI_MESSAGE_NULL, msg);
    // Receiving a message handle twice is an error, not a crash.
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Message stale = MPI_MESSAGE_NULL;
    int rc = MPI_Mrecv(&x, 1, MPI_INT, &stale, MPI_STATUS_IGNORE);
    int cls = 0;
    MPI_Error_class(rc, &cls);
    EXPECT_EQ(MPI_ERR_REQUEST, cls);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

}  // namespace

namespace {

TEST(Completion, IsendrecvAndReplaceRoundTheRing) {
    for (int n : {4, 20000}) {  // eager and rendezvous (80 KB is past every eager limit)
        std::vector<int> out(static_cast<size_t>(n), rank()), in(static_cast<size_t>(n), -1);
        MPI_Request r;
        ASSERT_EQ(MPI_SUCCESS, MPI_Isendrecv(out.data(), n, MPI_INT, right(), 50, in.data(), n,
                                             MPI_INT, left(), 50, MPI_COMM_WORLD, &r));
        MPI_Status st;
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, &st));
        EXPECT_EQ(left(), st.MPI_SOURCE);
        EXPECT_EQ(50, st.MPI_TAG);
        MPI_Count count = -1;
        MPI_Get_count_c(&st, MPI_INT, &count);
        EXPECT_EQ(n, count);
        EXPECT_EQ(left(), in.back());

        std::vector<int> buf(static_cast<size_t>(n), rank() + 100);
        ASSERT_EQ(MPI_SUCCESS, MPI_Isendrecv_replace_c(buf.data(), n, MPI_INT, right(), 51,
                                                       left(), 51, MPI_COMM_WORLD, &r));
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
        EXPECT_EQ(left() + 100, buf.front());
        EXPECT_EQ(left() + 100, buf.back());
    }
    int x = 5;
    MPI_Request r;
    MPI_Isendrecv(&x, 1, MPI_INT, MPI_PROC_NULL, 52, &x, 1, MPI_INT, MPI_PROC_NULL, 52,
                  MPI_COMM_WORLD, &r);
    MPI_Status st;
    MPI_Wait(&r, &st);
    EXPECT_EQ(MPI_PROC_NULL, st.MPI_SOURCE);
    EXPECT_EQ(5, x);
}

TEST(Completion, RequestGetStatusFamilyLeavesRequestsAlone) {
    int v = rank(), x = -1;
    MPI_Request reqs[2];
    MPI_Irecv(&x, 1, MPI_INT, left(), 53, MPI_COMM_WORLD, &reqs[0]);
    int flag = 1, idx = 0, outcount = 0, indices[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_get_status_all(1, reqs, &flag, MPI_STATUSES_IGNORE));
    // The receive cannot have matched: nobody has sent yet (everyone sends after the barrier).
    EXPECT_EQ(0, flag);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Isend(&v, 1, MPI_INT, right(), 53, MPI_COMM_WORLD, &reqs[1]);
    MPI_Status sts[2];
    do {
        MPI_Request_get_status_all(2, reqs, &flag, sts);
    } while (!flag);
    EXPECT_EQ(left(), sts[0].MPI_SOURCE);
    EXPECT_NE(MPI_REQUEST_NULL, reqs[0]);  // not freed
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_get_status_any(2, reqs, &idx, &flag, &sts[0]));
    EXPECT_EQ(1, flag);
    EXPECT_EQ(0, idx);
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_get_status_some(2, reqs, &outcount, indices, sts));
    EXPECT_EQ(2, outcount);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    EXPECT_EQ(left(), x);
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_get_status_any(2, reqs, &idx, &flag, MPI_STATUS_IGNORE));
    EXPECT_EQ(MPI_UNDEFINED, idx);  // all null
    MPI_Request_get_status_some(2, reqs, &outcount, indices, MPI_STATUSES_IGNORE);
    EXPECT_EQ(MPI_UNDEFINED, outcount);
}

TEST(Completion, StatusAccessors) {
    MPI_Status st;
    MPI_Status_set_source(&st, 3);
    MPI_Status_set_tag(&st, 77);
    MPI_Status_set_error(&st, MPI_ERR_TRUNCATE);
    MPI_Status_set_cancelled(&st, 1);
    MPI_Status_set_elements_x(&st, MPI_DOUBLE, (MPI_Count{1} << 33) + 1);
    int v = 0, cancelled = 0;
    MPI_Status_get_source(&st, &v);
    EXPECT_EQ(3, v);
    MPI_Status_get_tag(&st, &v);
    EXPECT_EQ(77, v);
    MPI_Status_get_error(&st, &v);
    EXPECT_EQ(MPI_ERR_TRUNCATE, v);
    MPI_Test_cancelled(&st, &cancelled);
    EXPECT_EQ(1, cancelled);
    MPI_Count n = 0;
    MPI_Get_count_c(&st, MPI_DOUBLE, &n);
    EXPECT_EQ((MPI_Count{1} << 33) + 1, n);
    MPI_Get_count(&st, MPI_DOUBLE, &v);
    EXPECT_EQ(MPI_UNDEFINED, v);
    MPI_Status_set_elements(&st, MPI_INT, 5);
    MPI_Get_count(&st, MPI_INT, &v);
    EXPECT_EQ(5, v);
}

}  // namespace

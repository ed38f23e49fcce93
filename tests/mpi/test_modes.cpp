// Persistent requests (Send_init and friends, Start, Startall) and buffered mode (Bsend,
// Ibsend, Bsend_init, the process and communicator buffers), at any size, eager and
// rendezvous, with their bad-input errors.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::error_class;
using efampi::test::ReturnErrors;
using efampi::test::rank;
using efampi::test::size;

namespace {

int right() { return (rank() + 1) % size(); }
int left() { return (rank() - 1 + size()) % size(); }

TEST(Persistent, RingRestartsWithFreshDataEachRound) {
    for (int n : {1, 20000}) {  // eager and rendezvous (ints; 80 KB is past every eager limit)
        std::vector<int> out(static_cast<size_t>(n)), in(static_cast<size_t>(n));
        MPI_Request req[2];
        ASSERT_EQ(MPI_SUCCESS,
                  MPI_Recv_init(in.data(), n, MPI_INT, left(), 7, MPI_COMM_WORLD, &req[0]));
        ASSERT_EQ(MPI_SUCCESS, MPI_Send_init_c(out.data(), n, MPI_INT, right(), 7,
                                               MPI_COMM_WORLD, &req[1]));
        for (int round = 0; round < 20; ++round) {
            std::iota(out.begin(), out.end(), rank() * 1000 + round);
            std::fill(in.begin(), in.end(), -1);
            ASSERT_EQ(MPI_SUCCESS, MPI_Startall(2, req));
            MPI_Status st[2];
            ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, req, st));
            ASSERT_NE(MPI_REQUEST_NULL, req[0]);  // inactive, not freed
            ASSERT_NE(MPI_REQUEST_NULL, req[1]);
            EXPECT_EQ(left(), st[0].MPI_SOURCE);
            EXPECT_EQ(7, st[0].MPI_TAG);
            int count = -1;
            MPI_Get_count(&st[0], MPI_INT, &count);
            EXPECT_EQ(n, count);
            EXPECT_EQ(left() * 1000 + round, in.front());
            EXPECT_EQ(left() * 1000 + round + n - 1, in.back());
        }
        MPI_Request_free(&req[0]);
        MPI_Request_free(&req[1]);
        EXPECT_EQ(MPI_REQUEST_NULL, req[0]);
    }
}

TEST(Persistent, InactiveRequestsCompleteAtOnceWithAnEmptyStatus) {
    int x = 0;
    MPI_Request r;
    MPI_Recv_init(&x, 1, MPI_INT, left(), 8, MPI_COMM_WORLD, &r);
    MPI_Status st;
    st.MPI_SOURCE = 12345;
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, &st));  // never started
    EXPECT_EQ(MPI_ANY_SOURCE, st.MPI_SOURCE);  // the empty status (MPI 4.1 §3.7.3)
    EXPECT_EQ(MPI_ANY_TAG, st.MPI_TAG);
    int flag = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Test(&r, &flag, MPI_STATUS_IGNORE));
    EXPECT_EQ(1, flag);
    int idx = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitany(1, &r, &idx, MPI_STATUS_IGNORE));
    EXPECT_EQ(MPI_UNDEFINED, idx);
    int outcount = 0, indices[1];
    ASSERT_EQ(MPI_SUCCESS, MPI_Testsome(1, &r, &outcount, indices, MPI_STATUSES_IGNORE));
    EXPECT_EQ(MPI_UNDEFINED, outcount);
    ASSERT_EQ(MPI_SUCCESS, MPI_Request_get_status(r, &flag, MPI_STATUS_IGNORE));
    EXPECT_EQ(1, flag);
    EXPECT_NE(MPI_REQUEST_NULL, r);
    MPI_Request_free(&r);
}

TEST(Persistent, SsendInitCompletesOnlyOnceMatched) {
    int v = rank(), x = -1;
    MPI_Request s, r;
    MPI_Ssend_init(&v, 1, MPI_INT, right(), 9, MPI_COMM_WORLD, &s);
    for (int round = 0; round < 3; ++round) {
        MPI_Start(&s);
        int flag = 1;
        for (int i = 0; i < 100; ++i) MPI_Test(&s, &flag, MPI_STATUS_IGNORE);
        // Nobody has posted the receive yet: they all wait in the barrier below.
        EXPECT_EQ(0, flag) << "round " << round;
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Irecv(&x, 1, MPI_INT, left(), 9, MPI_COMM_WORLD, &r);
        MPI_Wait(&s, MPI_STATUS_IGNORE);
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        EXPECT_EQ(left(), x);
    }
    MPI_Request_free(&s);
}

TEST(Persistent, RsendInitAndProcNull) {
    int v = rank(), x = -1;
    MPI_Request r, s, pn[2];
    MPI_Recv_init(&x, 1, MPI_INT, left(), 10, MPI_COMM_WORLD, &r);
    MPI_Rsend_init(&v, 1, MPI_INT, right(), 10, MPI_COMM_WORLD, &s);
    MPI_Send_init(&v, 1, MPI_INT, MPI_PROC_NULL, 10, MPI_COMM_WORLD, &pn[0]);
    MPI_Recv_init(&x, 1, MPI_INT, MPI_PROC_NULL, 10, MPI_COMM_WORLD, &pn[1]);
    for (int round = 0; round < 3; ++round) {
        MPI_Start(&r);
        MPI_Barrier(MPI_COMM_WORLD);  // every receive is posted: ready mode is correct
        MPI_Start(&s);
        MPI_Startall(2, pn);
        MPI_Status st[2];
        MPI_Waitall(2, pn, st);
        EXPECT_EQ(MPI_PROC_NULL, st[1].MPI_SOURCE);
        int count = -1;
        MPI_Get_count(&st[1], MPI_INT, &count);
        EXPECT_EQ(0, count);
        MPI_Wait(&s, MPI_STATUS_IGNORE);
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        EXPECT_EQ(left(), x);
        x = -1;
    }
    for (MPI_Request* q : {&r, &s, &pn[0], &pn[1]}) MPI_Request_free(q);
}

TEST(Persistent, FreeingAnActiveRequestStillDelivers) {
    std::vector<double> out(20000, rank() + 0.25), in(20000, -1);
    MPI_Request s, r;
    MPI_Recv_init(in.data(), 20000, MPI_DOUBLE, left(), 11, MPI_COMM_WORLD, &r);
    MPI_Send_init(out.data(), 20000, MPI_DOUBLE, right(), 11, MPI_COMM_WORLD, &s);
    MPI_Start(&r);
    MPI_Start(&s);
    MPI_Request_free(&s);  // active: the send still completes
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    EXPECT_EQ(left() + 0.25, in.back());
    MPI_Request_free(&r);
    MPI_Barrier(MPI_COMM_WORLD);  // the freed send's buffer stays untouched until here
}

TEST(Persistent, BadStartsAreRequestErrors) {
    ReturnErrors scope;
    int x = 0;
    MPI_Request r, plain, null = MPI_REQUEST_NULL;
    MPI_Recv_init(&x, 1, MPI_INT, MPI_ANY_SOURCE, 12, MPI_COMM_WORLD, &r);
    ASSERT_EQ(MPI_SUCCESS, MPI_Start(&r));
    EXPECT_EQ(MPI_ERR_REQUEST, error_class(MPI_Start(&r)));  // already active
    MPI_Request both[2] = {null, r};
    EXPECT_EQ(MPI_ERR_REQUEST, error_class(MPI_Startall(2, both)));
    EXPECT_EQ(MPI_ERR_REQUEST, error_class(MPI_Start(&null)));
    MPI_Irecv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 13, MPI_COMM_WORLD, &plain);
    EXPECT_EQ(MPI_ERR_REQUEST, error_class(MPI_Start(&plain)));  // not persistent
    ASSERT_EQ(MPI_SUCCESS, MPI_Cancel(&plain));
    MPI_Wait(&plain, MPI_STATUS_IGNORE);
    ASSERT_EQ(MPI_SUCCESS, MPI_Cancel(&r));
    MPI_Status st;
    MPI_Wait(&r, &st);
    int cancelled = 0;
    MPI_Test_cancelled(&st, &cancelled);
    EXPECT_EQ(1, cancelled);
    EXPECT_EQ(MPI_ERR_REQUEST, error_class(MPI_Cancel(&r)));  // inactive now
    MPI_Request_free(&r);
    EXPECT_EQ(MPI_ERR_REQUEST, error_class(MPI_Start(&r)));  // freed: MPI_REQUEST_NULL
}

// ---------------------------------------------------------------- buffered mode

TEST(Buffered, BsendsCompleteWithoutAReceiverAndTheSpaceIsReused) {
    const int n = 3000;  // 12000 bytes: rendezvous-sized, held until the receiver reads
    const int k = 4;
    int bytes = k * (n * static_cast<int>(sizeof(int)) + MPI_BSEND_OVERHEAD);
    std::vector<char> space(static_cast<size_t>(bytes));
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_attach(space.data(), bytes));
    std::vector<int> out(n), in(n);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < k; ++i) {
            std::fill(out.begin(), out.end(), rank() * 100 + round * 10 + i);
            ASSERT_EQ(MPI_SUCCESS, MPI_Bsend(out.data(), n, MPI_INT, right(), 20, MPI_COMM_WORLD));
        }
        std::fill(out.begin(), out.end(), -7);  // the copies went out, not this buffer
        for (int i = 0; i < k; ++i) {
            MPI_Recv(in.data(), n, MPI_INT, left(), 20, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            EXPECT_EQ(left() * 100 + round * 10 + i, in[n - 1]);
        }
        // The right neighbour may still be reading this round's copies; once they are read
        // the whole buffer is free for the next round.
        ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_flush());
    }
    void* back = nullptr;
    int back_size = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_detach(&back, &back_size));  // waits for the sends
    EXPECT_EQ(space.data(), back);
    EXPECT_EQ(bytes, back_size);
}

TEST(Buffered, IbsendAndBsendInitWithTheCountVariants) {
    const int n = 10;
    MPI_Count bytes = 4 * (n * static_cast<MPI_Count>(sizeof(int)) + MPI_BSEND_OVERHEAD);
    std::vector<char> space(static_cast<size_t>(bytes));
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_attach_c(space.data(), bytes));
    std::vector<int> out(n, rank()), in(n);
    MPI_Request s;
    ASSERT_EQ(MPI_SUCCESS, MPI_Ibsend_c(out.data(), n, MPI_INT, right(), 21, MPI_COMM_WORLD, &s));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&s, MPI_STATUS_IGNORE));  // complete: data copied
    MPI_Recv(in.data(), n, MPI_INT, left(), 21, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    EXPECT_EQ(left(), in[0]);
    ASSERT_EQ(MPI_SUCCESS, MPI_Bsend_init(out.data(), n, MPI_INT, right(), 22, MPI_COMM_WORLD, &s));
    for (int round = 0; round < 10; ++round) {
        std::fill(out.begin(), out.end(), rank() + round);
        MPI_Start(&s);
        MPI_Wait(&s, MPI_STATUS_IGNORE);
        MPI_Recv(in.data(), n, MPI_INT, left(), 22, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        EXPECT_EQ(left() + round, in[n - 1]);
    }
    MPI_Request_free(&s);
    void* back = nullptr;
    MPI_Count back_size = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_detach_c(&back, &back_size));
    EXPECT_EQ(bytes, back_size);
}

TEST(Buffered, CommunicatorBufferAndAutomaticBuffer) {
    ReturnErrors scope;
    int v = rank(), x = -1;
    std::vector<char> space(64 + MPI_BSEND_OVERHEAD);
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_attach_buffer(MPI_COMM_WORLD, space.data(),
                                                  static_cast<int>(space.size())));
    ASSERT_EQ(MPI_SUCCESS, MPI_Bsend(&v, 1, MPI_INT, right(), 23, MPI_COMM_WORLD));
    // MPI_COMM_SELF has no buffer of its own and the process has none.
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Bsend(&v, 1, MPI_INT, 0, 23, MPI_COMM_SELF)));
    MPI_Recv(&x, 1, MPI_INT, left(), 23, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    EXPECT_EQ(left(), x);
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_flush_buffer(MPI_COMM_WORLD));
    void* back = nullptr;
    int back_size = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Comm_detach_buffer(MPI_COMM_WORLD, &back, &back_size));
    EXPECT_EQ(space.data(), back);

    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_attach(MPI_BUFFER_AUTOMATIC, 0));
    std::vector<int> big(50000, rank()), in(50000);
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(MPI_SUCCESS, MPI_Bsend(big.data(), 50000, MPI_INT, right(), 24, MPI_COMM_WORLD));
    for (int i = 0; i < 5; ++i) {
        MPI_Recv(in.data(), 50000, MPI_INT, left(), 24, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        EXPECT_EQ(left(), in[49999]);
    }
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_flush());
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_detach(&back, &back_size));
    EXPECT_EQ(MPI_BUFFER_AUTOMATIC, back);
}

TEST(Buffered, BufferErrors) {
    ReturnErrors scope;
    int v = rank();
    void* back = nullptr;
    int back_size = 0;
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Bsend(&v, 1, MPI_INT, right(), 25, MPI_COMM_WORLD)));
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Buffer_detach(&back, &back_size)));
    std::vector<char> space(16 + MPI_BSEND_OVERHEAD);
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_attach(space.data(), static_cast<int>(space.size())));
    EXPECT_EQ(MPI_ERR_BUFFER, error_class(MPI_Buffer_attach(space.data(),
                                                            static_cast<int>(space.size()))));
    std::vector<int> big(5, v);  // 20 bytes + overhead do not fit 16 + overhead
    EXPECT_EQ(MPI_ERR_BUFFER,
              error_class(MPI_Bsend(big.data(), 5, MPI_INT, right(), 25, MPI_COMM_WORLD)));
    ASSERT_EQ(MPI_SUCCESS, MPI_Bsend(&v, 1, MPI_INT, MPI_PROC_NULL, 25, MPI_COMM_WORLD));
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_detach(&back, &back_size));

    // Room for one rendezvous-sized message: its copy is held until the receiver reads it,
    // and nobody receives before the second send, so the second finds no room.
    const int n = 50000;  // 200 KB: rendezvous on every transport (beyond any eager limit)
    std::vector<char> one(n * sizeof(int) + MPI_BSEND_OVERHEAD);
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_attach(one.data(), static_cast<int>(one.size())));
    std::vector<int> data(n, v), in(n);
    ASSERT_EQ(MPI_SUCCESS, MPI_Bsend(data.data(), n, MPI_INT, right(), 26, MPI_COMM_WORLD));
    EXPECT_EQ(MPI_ERR_BUFFER,
              error_class(MPI_Bsend(data.data(), n, MPI_INT, right(), 26, MPI_COMM_WORLD)));
    MPI_Recv(in.data(), n, MPI_INT, left(), 26, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    EXPECT_EQ(left(), in[0]);
    ASSERT_EQ(MPI_SUCCESS, MPI_Buffer_detach(&back, &back_size));
}

}  // namespace

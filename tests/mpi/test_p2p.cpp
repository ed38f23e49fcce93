// Point-to-point on contiguous predefined types, at any rank count (size 1 talks to itself).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::rank;
using efampi::test::size;

namespace {

int right() { return (rank() + 1) % size(); }
int left() { return (rank() - 1 + size()) % size(); }

unsigned char pattern(int from, size_t i, size_t n) {
    return static_cast<unsigned char>((from * 131 + i * 7 + n) & 0xff);
}

// Sizes around every protocol boundary: 0, tiny, the inject sizes of the test providers,
// the default eager limit, and rendezvous sizes up to 4 MiB.
const std::vector<size_t> sizes = {0,    1,    8,    24,   32,    63,    64,     255,
                                   256,  1224, 1256, 4064, 4096,  8191,  8192,   8193,
                                   16384, 65536, 1 << 20, (1 << 22) + 3};

TEST(P2P, RingAllProtocolSizes) {
    for (size_t n : sizes) {
        std::vector<unsigned char> out(n), in(n + 16, 0xee);
        for (size_t i = 0; i < n; ++i) out[i] = pattern(rank(), i, n);
        MPI_Status st;
        ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(out.data(), static_cast<int>(n), MPI_BYTE, right(), 5,
                                            in.data(), static_cast<int>(n + 16), MPI_BYTE, left(),
                                            5, MPI_COMM_WORLD, &st));
        int count = -1;
        MPI_Get_count(&st, MPI_BYTE, &count);
        EXPECT_EQ(static_cast<int>(n), count) << "size " << n;
        EXPECT_EQ(left(), st.MPI_SOURCE);
        EXPECT_EQ(5, st.MPI_TAG);
        for (size_t i = 0; i < n; ++i)
            ASSERT_EQ(pattern(left(), i, n), in[i]) << "size " << n << " byte " << i;
        EXPECT_EQ(0xee, in[n]) << "wrote past the message";
    }
}

// Rendezvous sizes between buffers at every kind of relative page offset: at the offsets where
// the kernel's copy is slow (docs/performance.md, "Copies and page offsets") the same-host read
// goes through a bounce block (pml Engine::cma_read), in 64 KiB pieces; the data must arrive
// whole, nothing written around it.
TEST(P2P, RendezvousAtEveryRelativePageOffset) {
    const size_t page = 4096, pad = 64;
    for (size_t n : {size_t(40000), size_t(3 * 65536 + 5), size_t((1 << 20) + 3)}) {
        for (size_t off : {size_t(0), size_t(1), size_t(8), size_t(16), size_t(31), size_t(32),
                           size_t(2048), size_t(4095)}) {
            void* sp = nullptr;
            void* rp = nullptr;
            ASSERT_EQ(0, posix_memalign(&sp, page, n + page));
            ASSERT_EQ(0, posix_memalign(&rp, page, n + page + 2 * pad));
            auto* out = static_cast<unsigned char*>(sp);
            auto* raw = static_cast<unsigned char*>(rp);
            std::memset(raw, 0xee, n + page + 2 * pad);
            for (size_t i = 0; i < n; ++i) out[i] = pattern(rank(), i, n + off);
            unsigned char* in = raw + off;  // page-aligned + off; the sender's is page-aligned
            MPI_Status st;
            ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(out, static_cast<int>(n), MPI_BYTE, right(), 6, in,
                                                static_cast<int>(n), MPI_BYTE, left(), 6,
                                                MPI_COMM_WORLD, &st));
            size_t bad = 0;
            for (size_t i = 0; i < n; ++i) bad += in[i] != pattern(left(), i, n + off);
            for (size_t i = 0; i < off; ++i) bad += raw[i] != 0xee;
            for (size_t i = off + n; i < n + page + 2 * pad; ++i) bad += raw[i] != 0xee;
            EXPECT_EQ(0u, bad) << n << " bytes at relative offset " << off;
            std::free(sp);
            std::free(rp);
        }
    }
}

TEST(P2P, BlockingSendRecvWithIrecvPosted) {
    for (size_t n : {size_t(16), size_t(100000)}) {
        std::vector<int> out(n, rank()), in(n, -1);
        MPI_Request r;
        ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(in.data(), static_cast<int>(n), MPI_INT, left(), 9,
                                         MPI_COMM_WORLD, &r));
        ASSERT_EQ(MPI_SUCCESS, MPI_Send(out.data(), static_cast<int>(n), MPI_INT, right(), 9,
                                        MPI_COMM_WORLD));
        MPI_Status st;
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, &st));
        EXPECT_EQ(MPI_REQUEST_NULL, r);
        EXPECT_EQ(left(), in[0]);
        EXPECT_EQ(left(), in[n - 1]);
    }
}

TEST(P2P, AnySourceAnyTagGathersEveryRank) {
    const int root = 0;
    int mine[2] = {rank(), rank() * 10};
    MPI_Request sreq;
    ASSERT_EQ(MPI_SUCCESS, MPI_Isend(mine, 2, MPI_INT, root, 100 + rank(), MPI_COMM_WORLD, &sreq));
    if (rank() == root) {
        std::set<int> seen;
        for (int i = 0; i < size(); ++i) {
            int got[2];
            MPI_Status st;
            ASSERT_EQ(MPI_SUCCESS,
                      MPI_Recv(got, 2, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
            EXPECT_EQ(st.MPI_SOURCE, got[0]);
            EXPECT_EQ(100 + st.MPI_SOURCE, st.MPI_TAG);
            EXPECT_EQ(got[0] * 10, got[1]);
            seen.insert(st.MPI_SOURCE);
        }
        EXPECT_EQ(static_cast<size_t>(size()), seen.size());
    }
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&sreq, MPI_STATUS_IGNORE));
    MPI_Barrier(MPI_COMM_WORLD);
}

// Non-overtaking: messages between a pair on one communicator arrive in the order sent,
// whatever their protocol, also when the receiver uses wildcards.
TEST(P2P, OrderKeptAcrossProtocols) {
    const int n = 60;
    std::vector<std::vector<int>> out(n);
    std::vector<MPI_Request> reqs(n);
    for (int i = 0; i < n; ++i) {
        size_t len = (i % 3 == 0) ? 5000 : (i % 3 == 1 ? 3 : 700);  // rendezvous, inject, eager
        out[static_cast<size_t>(i)].assign(len, i);
        MPI_Isend(out[static_cast<size_t>(i)].data(), static_cast<int>(len), MPI_INT, right(), 3,
                  MPI_COMM_WORLD, &reqs[static_cast<size_t>(i)]);
    }
    std::vector<int> in(5000);
    for (int i = 0; i < n; ++i) {
        MPI_Status st;
        ASSERT_EQ(MPI_SUCCESS, MPI_Recv(in.data(), 5000, MPI_INT, i % 2 ? MPI_ANY_SOURCE : left(),
                                        i % 4 ? 3 : MPI_ANY_TAG, MPI_COMM_WORLD, &st));
        ASSERT_EQ(i, in[0]) << "message " << i << " overtaken";
    }
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(n, reqs.data(), MPI_STATUSES_IGNORE));
}

TEST(P2P, ProcNullCompletesAtOnce) {
    int x = 42;
    ASSERT_EQ(MPI_SUCCESS, MPI_Send(&x, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
    MPI_Status st;
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv(&x, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st));
    EXPECT_EQ(MPI_PROC_NULL, st.MPI_SOURCE);
    EXPECT_EQ(MPI_ANY_TAG, st.MPI_TAG);
    int count = -1;
    MPI_Get_count(&st, MPI_INT, &count);
    EXPECT_EQ(0, count);
    EXPECT_EQ(42, x);
    MPI_Request r[2];
    MPI_Isend(&x, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &r[0]);
    MPI_Irecv(&x, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &r[1]);
    int flag = 0;
    ASSERT_EQ(MPI_SUCCESS, MPI_Testall(2, r, &flag, MPI_STATUSES_IGNORE));
    EXPECT_TRUE(flag);
    EXPECT_EQ(MPI_REQUEST_NULL, r[0]);
}

TEST(P2P, ZeroBytesWithNullBuffer) {
    MPI_Status st;
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(nullptr, 0, MPI_INT, right(), 1, nullptr, 0, MPI_INT,
                                        left(), 1, MPI_COMM_WORLD, &st));
    EXPECT_EQ(left(), st.MPI_SOURCE);
}

TEST(P2P, SelfMessagesOfEverySize) {
    for (size_t n : {size_t(0), size_t(10), size_t(8192), size_t(300000)}) {
        std::vector<char> out(n, 'a'), in(n, 'z');
        MPI_Request s;
        // Sent before the receive is posted: it waits as an unexpected message.
        ASSERT_EQ(MPI_SUCCESS, MPI_Isend(out.data(), static_cast<int>(n), MPI_CHAR, rank(), 2,
                                         MPI_COMM_WORLD, &s));
        MPI_Status st;
        ASSERT_EQ(MPI_SUCCESS,
                  MPI_Recv(in.data(), static_cast<int>(n), MPI_CHAR, rank(), 2, MPI_COMM_WORLD, &st));
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&s, MPI_STATUS_IGNORE));
        EXPECT_EQ(out, in);
        // On MPI_COMM_SELF the same works with rank 0.
        ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(out.data(), static_cast<int>(n), MPI_CHAR, 0, 4,
                                            in.data(), static_cast<int>(n), MPI_CHAR, 0, 4,
                                            MPI_COMM_SELF, &st));
        EXPECT_EQ(0, st.MPI_SOURCE);
    }
}

TEST(P2P, SelfAndWorldDoNotMatchEachOther) {
    int a = 1, b = 2, got = 0;
    MPI_Request r;
    MPI_Irecv(&got, 1, MPI_INT, 0, 8, MPI_COMM_SELF, &r);
    if (rank() == 0) MPI_Send(&a, 1, MPI_INT, 0, 8, MPI_COMM_WORLD);  // world, not self
    MPI_Send(&b, 1, MPI_INT, 0, 8, MPI_COMM_SELF);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    EXPECT_EQ(2, got);
    if (rank() == 0) {
        MPI_Recv(&got, 1, MPI_INT, 0, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        EXPECT_EQ(1, got);
    }
}

TEST(P2P, TruncationIsReportedAndTheChannelKeepsWorking) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    for (size_t n : {size_t(100), size_t(50000)}) {
        std::vector<int> out(n, 7), in(n / 10, 0);
        MPI_Request s;
        MPI_Isend(out.data(), static_cast<int>(n), MPI_INT, right(), 6, MPI_COMM_WORLD, &s);
        MPI_Status st;
        st.MPI_ERROR = 12345;
        int rc = MPI_Recv(in.data(), static_cast<int>(n / 10), MPI_INT, left(), 6, MPI_COMM_WORLD,
                          &st);
        int cls = -1;
        MPI_Error_class(rc, &cls);
        EXPECT_EQ(MPI_ERR_TRUNCATE, cls) << "size " << n;
        // A single completion returns its error; MPI_ERROR is not its to set (MPI 4.1 §3.2.5).
        EXPECT_EQ(12345, st.MPI_ERROR);
        EXPECT_EQ(7, in[0]);
        MPI_Wait(&s, MPI_STATUS_IGNORE);
        // The same pair still talks.
        int x = rank(), y = -1;
        ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(&x, 1, MPI_INT, right(), 6, &y, 1, MPI_INT, left(), 6,
                                            MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        EXPECT_EQ(left(), y);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

// A synchronous send completes only once the receiver has matched it.
TEST(P2P, SsendWaitsForTheMatch) {
    if (size() < 2) GTEST_SKIP() << "needs 2 ranks";
    for (int n : {4, 20000}) {
        std::vector<int> buf(static_cast<size_t>(n), 3);
        if (rank() == 0) {
            MPI_Request r;
            MPI_Issend(buf.data(), n, MPI_INT, 1, 11, MPI_COMM_WORLD, &r);
            int flag = 1;
            for (int i = 0; i < 200 && flag; ++i) MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
            // Rank 1 posts its receive only after our go message: no match possible yet.
            EXPECT_EQ(0, flag);
            int go = 1;
            MPI_Send(&go, 1, MPI_INT, 1, 12, MPI_COMM_WORLD);
            if (!flag) MPI_Wait(&r, MPI_STATUS_IGNORE);
        } else if (rank() == 1) {
            int go = 0;
            MPI_Recv(&go, 1, MPI_INT, 0, 12, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Recv(buf.data(), n, MPI_INT, 0, 11, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
}

// Many eager messages sent before the receiver posts anything, then received in order.
void many_unexpected(int n) {
    std::vector<MPI_Request> reqs(static_cast<size_t>(n));
    std::vector<int> vals(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        vals[static_cast<size_t>(i)] = i;
        MPI_Isend(&vals[static_cast<size_t>(i)], 1, MPI_INT, right(), 20, MPI_COMM_WORLD,
                  &reqs[static_cast<size_t>(i)]);
    }
    MPI_Barrier(MPI_COMM_WORLD);  // every message is in flight or unexpected by now
    for (int i = 0; i < n; ++i) {
        int v = -1;
        MPI_Recv(&v, 1, MPI_INT, left(), 20, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        ASSERT_EQ(i, v);
    }
    MPI_Waitall(n, reqs.data(), MPI_STATUSES_IGNORE);
}

bool on_rxd() {
    const char* prov = std::getenv("FI_PROVIDER");
    return prov && std::strstr(prov, "rxd");
}

TEST(P2P, ManyUnexpectedMessages) {
    if (on_rxd()) {
        // Expected failure at full size: udp;ofi_rxd 1.17 stalls once about a thousand messages
        // are unacknowledged between two peers, sooner on a loaded machine (pml/README.md).
        RecordProperty("reduced", "udp;ofi_rxd: 200 messages instead of 1000");
        many_unexpected(200);
        return;
    }
    many_unexpected(1000);
}

// More messages in flight to one peer than the provider's transmit queue holds (1024 on the
// test providers): the backlog must absorb them.
TEST(P2P, ManyUnexpectedMessagesBeyondTheTxQueue) {
    if (on_rxd())
        GTEST_SKIP() << "expected failure: udp;ofi_rxd 1.17 stalls for good with more than 1024 "
                        "messages in flight each way between two peers (provider bug, see "
                        "pml/README.md)";
    many_unexpected(3000);
}

TEST(P2P, TestallAndWaitallOnMixedRequests) {
    const int n = 16;
    std::vector<std::vector<double>> out(n), in(n);
    std::vector<MPI_Request> reqs;
    for (int i = 0; i < n; ++i) {
        size_t len = static_cast<size_t>(1) << (i % 16);
        out[static_cast<size_t>(i)].assign(len, rank() + i * 0.5);
        in[static_cast<size_t>(i)].assign(len, -1);
        MPI_Request r;
        MPI_Irecv(in[static_cast<size_t>(i)].data(), static_cast<int>(len), MPI_DOUBLE, left(),
                  i, MPI_COMM_WORLD, &r);
        reqs.push_back(r);
    }
    for (int i = n - 1; i >= 0; --i) {
        MPI_Request r;
        MPI_Isend(out[static_cast<size_t>(i)].data(),
                  static_cast<int>(out[static_cast<size_t>(i)].size()), MPI_DOUBLE, right(), i,
                  MPI_COMM_WORLD, &r);
        reqs.push_back(r);
    }
    // Testall alone must drive everything to completion (it progresses); give slow, heavily
    // oversubscribed transports time. Whatever happens, finish with Waitall so that a failure
    // here never leaves requests behind for the next test.
    int flag = 0;
    double t0 = MPI_Wtime();
    while (!flag && MPI_Wtime() - t0 < 60)
        MPI_Testall(static_cast<int>(reqs.size()), reqs.data(), &flag, MPI_STATUSES_IGNORE);
    EXPECT_TRUE(flag) << "Testall did not complete the requests within 60 s";
    if (!flag) MPI_Waitall(static_cast<int>(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE);
    for (int i = 0; i < n; ++i) EXPECT_EQ(left() + i * 0.5, in[static_cast<size_t>(i)].back());
    std::vector<MPI_Status> st(reqs.size());  // all null by now: Waitall returns at once
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(static_cast<int>(reqs.size()), reqs.data(), st.data()));
}

}  // namespace

namespace {

TEST(P2P, SendrecvReplaceRotatesTheRing) {
    for (int n : {1, 100, 10000}) {  // inject, eager, rendezvous
        std::vector<int> buf(static_cast<size_t>(n), rank());
        MPI_Status st;
        ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv_replace(buf.data(), n, MPI_INT, right(), 90, left(), 90,
                                                    MPI_COMM_WORLD, &st));
        EXPECT_EQ(left(), buf[0]);
        EXPECT_EQ(left(), buf.back());
        EXPECT_EQ(left(), st.MPI_SOURCE);
    }
}

}  // namespace

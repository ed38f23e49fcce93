// Point-to-point under load: floods of unexpected messages, thousands of outstanding requests,
// many-to-one traffic, unexpected rendezvous, ANY_SOURCE receives interleaved with specific
// ones. Nothing lost, duplicated or reordered against the non-overtaking rule; the receiver's
// memory stays bounded by EFAMPI_UNEXPECTED_LIMIT (the 'load-bounded' test sets it small).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/mpi/harness.hpp"

using efampi::test::all_true;
using efampi::test::rank;
using efampi::test::size;

namespace {

int right() { return (rank() + 1) % size(); }
int left() { return (rank() - 1 + size()) % size(); }

// Providers that cannot carry the full floods in libfabric 1.17 (pml/README.md, "Provider
// quirks"): udp;ofi_rxd stalls for good once about a thousand messages are unacknowledged;
// sockets now and then stops completing its sends under sustained two-way load (its whole
// tx queue stays in flight). On them the floods are cut to what they survive, and the test
// says so.
const char* weak_provider() {
    const char* prov = std::getenv("FI_PROVIDER");
    if (!prov) return nullptr;
    if (std::strstr(prov, "rxd")) return "udp;ofi_rxd";
    if (std::strstr(prov, "sockets")) return "sockets";
    return nullptr;
}

int flood_count(int full) {
    const char* weak = weak_provider();
    if (!weak) return full;
    ::testing::Test::RecordProperty("reduced", std::string(weak) + ": 200 messages");
    return full < 200 ? full : 200;
}

long resident_bytes() {
    long pages = 0, resident = 0;
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return -1;
    int n = std::fscanf(f, "%ld %ld", &pages, &resident);
    std::fclose(f);
    return n == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

TEST(Load, HundredThousandUnexpectedEagerMessagesInOrder) {
    const int n = flood_count(100000);
    for (int i = 0; i < n; ++i) {
        long v[2] = {rank(), i};
        MPI_Send(v, 2, MPI_LONG, right(), i % 3, MPI_COMM_WORLD);
    }
    MPI_Barrier(MPI_COMM_WORLD);  // every message was sent before any receive is posted
    bool ok = true;
    // Alternately from MPI_ANY_SOURCE by tag and from the sender by MPI_ANY_TAG (never both
    // wildcards: the harness's own messages could match): order must hold either way.
    for (int i = 0; i < n; ++i) {
        long v[2];
        MPI_Status st;
        if (i % 2)
            MPI_Recv(v, 2, MPI_LONG, MPI_ANY_SOURCE, i % 3, MPI_COMM_WORLD, &st);
        else
            MPI_Recv(v, 2, MPI_LONG, left(), MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        ok = ok && v[0] == left() && v[1] == i && st.MPI_TAG == i % 3;
    }
    EXPECT_TRUE(ok) << "a message arrived lost, duplicated or out of order";
    for (int tag = 0; tag < 3; ++tag) {
        int flag = 1;
        MPI_Iprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        EXPECT_EQ(0, flag) << "more messages than were sent";
    }
    EXPECT_TRUE(all_true(ok));
}

TEST(Load, TenThousandOutstandingRequests) {
    const int n = flood_count(10000);
    std::vector<int> out(static_cast<size_t>(n)), in(static_cast<size_t>(n), -1);
    std::vector<MPI_Request> reqs(2 * static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        MPI_Irecv(&in[static_cast<size_t>(i)], 1, MPI_INT, left(), i, MPI_COMM_WORLD, &reqs[static_cast<size_t>(i)]);
    for (int i = 0; i < n; ++i) {
        out[static_cast<size_t>(i)] = rank() * n + i;
        MPI_Isend(&out[static_cast<size_t>(i)], 1, MPI_INT, right(), i, MPI_COMM_WORLD,
                  &reqs[static_cast<size_t>(n + i)]);
    }
    ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2 * n, reqs.data(), MPI_STATUSES_IGNORE));
    int bad = 0;
    for (int i = 0; i < n; ++i) bad += in[static_cast<size_t>(i)] != left() * n + i;
    EXPECT_EQ(0, bad);
}

TEST(Load, ManyToOneFloodWithMixedSizes) {
    // Every rank but 0 sends to rank 0; every 50th message is rendezvous-sized.
    const int n = flood_count(3000);
    const int big = 4096;  // ints: 16 KiB
    std::vector<int> buf(big);
    bool ok = true;
    if (rank() != 0) {
        for (int i = 0; i < n; ++i) {
            int len = i % 50 == 0 ? big : 2;
            buf[0] = rank();
            buf[1] = i;
            buf[static_cast<size_t>(len - 1)] = i;
            MPI_Send(buf.data(), len, MPI_INT, 0, 60, MPI_COMM_WORLD);
        }
    } else {
        std::vector<int> next(static_cast<size_t>(size()), 0);
        for (int k = 0; k < n * (size() - 1); ++k) {
            MPI_Status st;
            MPI_Recv(buf.data(), big, MPI_INT, MPI_ANY_SOURCE, 60, MPI_COMM_WORLD, &st);
            int count = 0;
            MPI_Get_count(&st, MPI_INT, &count);
            int s = st.MPI_SOURCE, i = next[static_cast<size_t>(s)]++;
            ok = ok && buf[0] == s && buf[1] == i && count == (i % 50 == 0 ? big : 2) &&
                 buf[static_cast<size_t>(count - 1)] == i;
        }
    }
    EXPECT_TRUE(ok) << "rank 0 saw a message lost, duplicated or out of order";
    EXPECT_TRUE(all_true(ok));
}

TEST(Load, UnexpectedRendezvousMessage) {
    const int n = 1 << 18;  // ints: 1 MiB
    std::vector<int> out(n, rank()), in(n, -1);
    out[n - 1] = rank() + 1000;
    MPI_Request s;
    MPI_Isend(out.data(), n, MPI_INT, right(), 61, MPI_COMM_WORLD, &s);
    MPI_Barrier(MPI_COMM_WORLD);  // the announcement is unexpected by now
    MPI_Status st;
    MPI_Recv(in.data(), n, MPI_INT, MPI_ANY_SOURCE, 61, MPI_COMM_WORLD, &st);
    EXPECT_EQ(left(), st.MPI_SOURCE);
    EXPECT_EQ(left(), in[0]);
    EXPECT_EQ(left() + 1000, in[n - 1]);
    MPI_Wait(&s, MPI_STATUS_IGNORE);
}

TEST(Load, AnySourceInterleavedWithSpecificReceives) {
    // Rank 0 posts, round after round, a receive per sender, alternately for that sender and
    // for MPI_ANY_SOURCE; each sender has its own tag, so every receive has exactly one
    // sender's messages to match and the counts add up. Each message goes to the earliest
    // posted receive that matches it, so each sender's messages must land in posting order.
    const int k = 200;
    const int senders = size() - 1;
    if (rank() != 0) {
        for (int i = 0; i < k; ++i) {
            int v[2] = {rank(), i};
            MPI_Send(v, 2, MPI_INT, 0, 100 + rank(), MPI_COMM_WORLD);
        }
    } else if (senders > 0) {
        std::vector<int> data(2 * static_cast<size_t>(k * senders), -1);
        std::vector<MPI_Request> reqs(static_cast<size_t>(k * senders));
        size_t q = 0;
        for (int i = 0; i < k; ++i)
            for (int s = 1; s <= senders; ++s, ++q)
                MPI_Irecv(&data[2 * q], 2, MPI_INT, (i + s) % 2 ? s : MPI_ANY_SOURCE, 100 + s,
                          MPI_COMM_WORLD, &reqs[q]);
        ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(static_cast<int>(q), reqs.data(), MPI_STATUSES_IGNORE));
        std::vector<int> next(static_cast<size_t>(size()), 0);
        bool ok = true;
        for (size_t j = 0; j < q; ++j) {
            int s = data[2 * j], i = data[2 * j + 1];
            ok = ok && s >= 1 && s <= senders && i == next[static_cast<size_t>(s)]++;
        }
        EXPECT_TRUE(ok) << "a sender's messages were received out of posting order";
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

// With EFAMPI_UNEXPECTED_LIMIT small, a flood beyond it goes by rendezvous from the sender's
// copies: the receiver holds announcements, not payloads. Even ranks send to the odd rank
// above them. Run by the 'load-bounded' tests.
TEST(Load, UnexpectedPayloadMemoryIsBounded) {
    const char* lim = std::getenv("EFAMPI_UNEXPECTED_LIMIT");
    if (!lim || std::string(lim) != "1M")
        GTEST_SKIP() << "runs with EFAMPI_UNEXPECTED_LIMIT=1M (meson test 'load-bounded')";
    const int n = flood_count(20000);
    const int len = 1024;  // ints: 4 KiB each, 80 MB in all
    const long payload = static_cast<long>(n) * len * 4;
    std::vector<int> buf(len);
    int partner = rank() % 2 == 0 ? rank() + 1 : rank() - 1;
    bool paired = partner < size();
    MPI_Barrier(MPI_COMM_WORLD);
    long before = resident_bytes();
    if (paired && rank() % 2 == 0) {
        for (int i = 0; i < n; ++i) {
            buf[0] = i;
            buf[len - 1] = rank();
            MPI_Send(buf.data(), len, MPI_INT, partner, 63, MPI_COMM_WORLD);
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    bool ok = true;
    if (paired && rank() % 2 == 1) {
        // Everything has arrived (or been announced) by now; let the last packets land.
        for (int spin = 0; spin < 1000; ++spin) {
            int flag = 0;
            MPI_Iprobe(MPI_ANY_SOURCE, 64, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        }
        long grown = resident_bytes() - before;
        for (int i = 0; i < n; ++i) {
            MPI_Recv(buf.data(), len, MPI_INT, partner, 63, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            ok = ok && buf[0] == i && buf[len - 1] == partner;
        }
        EXPECT_LT(grown, payload / 4) << "resident memory grew by " << grown << " bytes for "
                                      << payload << " bytes of unexpected payload";
        std::printf("rank %d: resident memory grew by %ld bytes for %ld bytes of unexpected "
                    "payload\n", rank(), grown, payload);
    }
    EXPECT_TRUE(ok);
    EXPECT_TRUE(all_true(ok));
}

}  // namespace

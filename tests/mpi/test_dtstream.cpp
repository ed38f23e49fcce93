// Point-to-point with derived datatypes that have holes, at sizes where the transfer is
// streamed in fragments (pml/stream.cpp): no copy of the whole message may be made (a large
// strided vector is sent while this process's peak resident memory is watched), and every
// size around the eager limits and fragment sizes arrives intact, with layouts that differ
// between the sides (vector -> vector, vector -> contiguous, contiguous -> vector), blocks
// straddling fragment edges, zero-size messages, truncation, probes, matched probes and
// cancel; random nested types (tests/mpi/typemap.hpp) streamed both ways against their
// reference typemap, so fragment edges fall inside elements, runs and pieces of irregular
// layouts. Rank r sends to r + 1 (itself at size 1): works at any size. Also the blocking
// reductions on such types (run on the packed base elements).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "tests/mpi/harness.hpp"
#include "tests/mpi/typemap.hpp"

using efampi::test::error_class;
using efampi::test::ReturnErrors;

namespace {

int me() { return efampi::test::rank(); }
int np() { return efampi::test::size(); }
int right() { return (me() + 1) % np(); }
int left() { return (me() - 1 + np()) % np(); }

// Peak resident set of this process (VmHWM), in bytes; the kernel resets it to the current
// resident set when "5" is written to /proc/self/clear_refs.
int64_t peak_rss() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
    return -1;
}
bool reset_peak_rss() {
    FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (!f) return false;
    bool ok = std::fputs("5", f) >= 0;
    return std::fclose(f) == 0 && ok;
}

// EFAMPI_TEST_STREAM_MIB: the large test's size, set lower for the slow providers (sockets,
// rxd: ~0.3 GB/s here), which also skip the sizes past 300 KB below.
uint64_t stream_mib() {
    const char* e = std::getenv("EFAMPI_TEST_STREAM_MIB");
    return e ? std::strtoull(e, nullptr, 10) : 128;
}
bool slow() { return stream_mib() < 128; }

// A byte type with holes: `len` bytes of data every `stride` bytes.
MPI_Datatype holes(int len, int stride) {
    MPI_Datatype c, t;
    MPI_Type_contiguous(len, MPI_BYTE, &c);
    MPI_Type_create_resized(c, 0, stride, &t);
    MPI_Type_free(&c);
    MPI_Type_commit(&t);
    return t;
}

// Byte k of the packed message from rank `from`.
uint8_t value(int from, uint64_t k) { return static_cast<uint8_t>(k * 131 + k / 251 + from * 7 + 1); }

// A buffer of `n` elements of a (len, stride) holes type, packed bytes value(from, k), holes 0xEE.
std::vector<uint8_t> fill_holes(int from, uint64_t n, int len, int stride) {
    std::vector<uint8_t> b(n * static_cast<uint64_t>(stride) + 1, 0xEE);
    for (uint64_t e = 0; e < n; ++e)
        for (int i = 0; i < len; ++i)
            b[e * static_cast<uint64_t>(stride) + static_cast<uint64_t>(i)] =
                value(from, e * static_cast<uint64_t>(len) + static_cast<uint64_t>(i));
    return b;
}

// Checks a received holes buffer: the first `got` packed bytes from `from`, everything else
// (holes, bytes past the message) untouched (0xEE). Returns the number of wrong bytes.
uint64_t check_holes(const std::vector<uint8_t>& b, int from, uint64_t got, int len, int stride) {
    uint64_t bad = 0;
    for (uint64_t j = 0; j < b.size(); ++j) {
        uint64_t e = j / static_cast<uint64_t>(stride), i = j % static_cast<uint64_t>(stride);
        uint64_t k = e * static_cast<uint64_t>(len) + i;
        bool data = i < static_cast<uint64_t>(len) && k < got;
        uint8_t want = data ? value(from, k) : 0xEE;
        bad += b[j] != want;
    }
    return bad;
}

// Sizes (packed bytes) around the eager limits (8 KiB over libfabric, 32 KiB over the rings),
// the ring fragments (64 KiB) and libfabric segments (256 KiB, 4 slots: past 1 MiB slots are
// reused) and their multiples: a 3-byte block straddles most of these edges.
const uint64_t kSizes[] = {0,      3,      8190,   8193,   16431,  32766,  32769,
                           65535,  65538,  131070, 196611, 262143, 262146, 786435,
                           1048575, 1310727};

TEST(Stream, EverySizeAndLayoutPairArrives) {
    // (send len, stride) -> (receive len, stride); len 0 means plain contiguous MPI_BYTE.
    struct Pair { int slen, sstride, rlen, rstride; const char* what; };
    const Pair pairs[] = {{3, 5, 2, 7, "vector -> vector"},
                          {3, 5, 0, 0, "vector -> contiguous"},
                          {0, 0, 3, 4, "contiguous -> vector"}};
    for (const Pair& pr : pairs) {
        MPI_Datatype st = pr.slen ? holes(pr.slen, pr.sstride) : MPI_BYTE;
        MPI_Datatype rt = pr.rlen ? holes(pr.rlen, pr.rstride) : MPI_BYTE;
        int sl = pr.slen ? pr.slen : 1, ss = pr.slen ? pr.sstride : 1;
        int rl = pr.rlen ? pr.rlen : 1, rs = pr.rlen ? pr.rstride : 1;
        for (uint64_t bytes : kSizes) {
            if (slow() && bytes > 300000) continue;  // slot reuse: seen in the large test
            bytes -= bytes % static_cast<uint64_t>(sl);  // whole send elements
            uint64_t scount = bytes / static_cast<uint64_t>(sl);
            uint64_t rcount = (bytes + static_cast<uint64_t>(rl) - 1) / static_cast<uint64_t>(rl);
            std::vector<uint8_t> sbuf = fill_holes(me(), scount, sl, ss);
            std::vector<uint8_t> rbuf(rcount * static_cast<uint64_t>(rs) + 1, 0xEE);
            for (int sync = 0; sync < 2; ++sync) {
                std::fill(rbuf.begin(), rbuf.end(), 0xEE);
                MPI_Request rq[2];
                ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(rbuf.data(), static_cast<int>(rcount), rt, left(),
                                                 9, MPI_COMM_WORLD, &rq[0]));
                int rc = sync ? MPI_Issend(sbuf.data(), static_cast<int>(scount), st, right(), 9,
                                           MPI_COMM_WORLD, &rq[1])
                              : MPI_Isend(sbuf.data(), static_cast<int>(scount), st, right(), 9,
                                          MPI_COMM_WORLD, &rq[1]);
                ASSERT_EQ(MPI_SUCCESS, rc);
                MPI_Status sts[2];
                ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, rq, sts));
                int n = -1;
                MPI_Get_elements(&sts[0], MPI_BYTE, &n);
                EXPECT_EQ(static_cast<int>(bytes), n) << pr.what << " " << bytes << " bytes";
                EXPECT_EQ(0u, check_holes(rbuf, left(), bytes, rl, rs))
                    << pr.what << ", " << bytes << " bytes, sync " << sync;
            }
        }
        if (pr.slen) MPI_Type_free(&st);
        if (pr.rlen) MPI_Type_free(&rt);
    }
}

// Random nested types, `count` elements of a few hundred KiB: sent typed and received as
// packed bytes (which must equal the reference typemap's gather of the sender's buffer), then
// sent packed and received typed (exactly the typemap's bytes written, in typemap order).
TEST(Stream, RandomNestedTypesStreamLikeTheirTypemap) {
    using namespace efampi::test::typemap;
    Gen g;
    g.rng.seed(777);
    const int64_t target = slow() ? 100000 : 300000;  // packed bytes per message
    int sent = 0;
    for (int trial = 0; trial < (slow() ? 12 : 40); ++trial) {
        Ref r;
        std::vector<MPI_Datatype> temps;
        MPI_Datatype t = g.make(3, r, temps);
        if (temps.empty()) continue;
        ASSERT_EQ(MPI_SUCCESS, MPI_Type_commit(&t));
        int64_t size = 0;
        for (const Entry& e : r.map) size += e.size;
        int64_t ext = r.ub - r.lb;
        if (size == 0 || ext <= 0) {
            for (MPI_Datatype& x : temps) MPI_Type_free(&x);
            continue;
        }
        int64_t count = std::max<int64_t>(1, target / size), lo = 0, span = 0;
        if (count * ext > (int64_t(16) << 20)) count = std::max<int64_t>(1, (int64_t(16) << 20) / ext);
        span_of(r, count, &lo, &span);
        std::string what = "random type " + std::to_string(trial) + ", " + std::to_string(count) +
                           " elements of " + std::to_string(size) + " bytes";
        auto pattern = [&](int from) {
            std::vector<uint8_t> m(static_cast<size_t>(span));
            for (size_t i = 0; i < m.size(); ++i) m[i] = value(from, i);
            return m;
        };
        // Typed -> packed.
        std::vector<uint8_t> mine = pattern(me()), theirs = pattern(left());
        std::vector<uint8_t> want = gather(r, theirs.data() - lo, count);
        std::vector<uint8_t> got(want.size() + 1, 0xEE);
        MPI_Request rq[2];
        ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(got.data(), static_cast<int>(got.size()), MPI_BYTE, left(),
                                         11, MPI_COMM_WORLD, &rq[0]));
        ASSERT_EQ(MPI_SUCCESS, MPI_Isend(mine.data() - lo, static_cast<int>(count), t, right(), 11,
                                         MPI_COMM_WORLD, &rq[1]));
        MPI_Status sts[2];
        ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, rq, sts)) << what;
        int n = -1;
        MPI_Get_count(&sts[0], MPI_BYTE, &n);
        ASSERT_EQ(static_cast<int>(want.size()), n) << what;
        ASSERT_TRUE(std::equal(want.begin(), want.end(), got.begin())) << what << ": packed bytes differ";
        // Packed -> typed: the receive buffer starts as 0xEE; the reference writes the packed
        // bytes at the typemap's offsets in order (a later entry wins where entries overlap).
        std::vector<uint8_t> packed = gather(r, mine.data() - lo, count), into(static_cast<size_t>(span), 0xEE);
        std::vector<uint8_t> expect(into);
        std::vector<uint8_t> from_left = gather(r, theirs.data() - lo, count);
        size_t k = 0;
        for (int64_t e = 0; e < count; ++e)
            for (const Entry& en : r.map)
                for (int64_t b = 0; b < en.size; ++b)
                    expect[static_cast<size_t>(e * ext + en.off + b - lo)] = from_left[k++];
        ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(into.data() - lo, static_cast<int>(count), t, left(), 12,
                                         MPI_COMM_WORLD, &rq[0]));
        ASSERT_EQ(MPI_SUCCESS, MPI_Isend(packed.data(), static_cast<int>(packed.size()), MPI_BYTE,
                                         right(), 12, MPI_COMM_WORLD, &rq[1]));
        ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, rq, sts)) << what;
        size_t bad = 0, first = 0;
        for (size_t i = 0; i < into.size(); ++i)
            if (into[i] != expect[i] && bad++ == 0) first = i;
        ASSERT_EQ(0u, bad) << what << ": first wrong byte at " << first;
        ++sent;
        for (MPI_Datatype& x : temps) MPI_Type_free(&x);
    }
    EXPECT_GT(sent, 5);
}

TEST(Stream, TruncationProbesAndCancel) {
    ReturnErrors quiet;
    MPI_Datatype t = holes(3, 5);
    for (uint64_t bytes : {uint64_t{9}, uint64_t{30000}, uint64_t{200001}}) {
        uint64_t count = bytes / 3;
        std::vector<uint8_t> sbuf = fill_holes(me(), count, 3, 5);
        // Probe and Mprobe report the packed size; Mrecv takes it through the type.
        MPI_Request sr;
        ASSERT_EQ(MPI_SUCCESS, MPI_Isend(sbuf.data(), static_cast<int>(count), t, right(), 3,
                                         MPI_COMM_WORLD, &sr));
        MPI_Status st;
        ASSERT_EQ(MPI_SUCCESS, MPI_Probe(left(), 3, MPI_COMM_WORLD, &st));
        int n = -1;
        MPI_Get_count(&st, MPI_BYTE, &n);
        EXPECT_EQ(static_cast<int>(bytes), n);
        MPI_Get_count(&st, t, &n);
        EXPECT_EQ(static_cast<int>(count), n);
        MPI_Message msg;
        ASSERT_EQ(MPI_SUCCESS, MPI_Mprobe(left(), 3, MPI_COMM_WORLD, &msg, &st));
        std::vector<uint8_t> rbuf(count * 5 + 1, 0xEE);
        ASSERT_EQ(MPI_SUCCESS, MPI_Mrecv(rbuf.data(), static_cast<int>(count), t, &msg, &st));
        EXPECT_EQ(0u, check_holes(rbuf, left(), bytes, 3, 5)) << bytes << " bytes, mrecv";
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&sr, MPI_STATUS_IGNORE));
        // Truncation: a receive of half the elements gets MPI_ERR_TRUNCATE, the leading part
        // of the message, and nothing past its capacity.
        ASSERT_EQ(MPI_SUCCESS, MPI_Isend(sbuf.data(), static_cast<int>(count), t, right(), 4,
                                         MPI_COMM_WORLD, &sr));
        uint64_t half = count / 2;
        std::fill(rbuf.begin(), rbuf.end(), 0xEE);
        int rc = MPI_Recv(rbuf.data(), static_cast<int>(half), t, left(), 4, MPI_COMM_WORLD, &st);
        EXPECT_EQ(MPI_ERR_TRUNCATE, error_class(rc)) << bytes << " bytes";
        EXPECT_EQ(0u, check_holes(rbuf, left(), half * 3, 3, 5)) << bytes << " bytes, truncated";
        ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&sr, MPI_STATUS_IGNORE));
    }
    // A pending receive with holes can be cancelled, and the buffer is left alone.
    std::vector<uint8_t> rbuf(5000, 0xEE);
    MPI_Request rr;
    ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(rbuf.data(), 1000, t, left(), 77, MPI_COMM_WORLD, &rr));
    ASSERT_EQ(MPI_SUCCESS, MPI_Cancel(&rr));
    MPI_Status st;
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&rr, &st));
    int cancelled = 0;
    MPI_Test_cancelled(&st, &cancelled);
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(0u, check_holes(rbuf, left(), 0, 3, 5));
    MPI_Type_free(&t);
    MPI_Barrier(MPI_COMM_WORLD);
}

// A 128 MiB strided vector (8-byte blocks at a 16-byte stride, i.e. stride 2 of MPI_DOUBLE:
// MPI_DOUBLE resized to 16 bytes, 16 Mi of them; a vector type of 16 Mi blocks would spend
// seconds flattening its typemap)
// goes from rank 0 to rank 1 (to itself at size 1) while both watch their peak resident memory:
// packing the whole message anywhere would add 128 MiB; fragments add a few hundred KiB.
TEST(Stream, LargeStridedVectorNeedsBoundedScratch) {
    const uint64_t mib = stream_mib();  // 128 MiB of data (less on the slow providers)
    const uint64_t doubles = mib << 17;
    const int64_t bound = std::min<int64_t>(int64_t{32} << 20, static_cast<int64_t>(mib << 19));
    int sender = 0, receiver = np() > 1 ? 1 : 0;
    bool active = me() == sender || me() == receiver;
    MPI_Datatype vec;
    MPI_Type_create_resized(MPI_DOUBLE, 0, 16, &vec);
    MPI_Type_commit(&vec);
    const int count = static_cast<int>(doubles);
    std::vector<double> src, dst;
    if (me() == sender) {
        src.resize(2 * doubles);
        for (uint64_t i = 0; i < doubles; ++i) {
            src[2 * i] = static_cast<double>(i);
            src[2 * i + 1] = -1.0;
        }
    }
    if (me() == receiver) dst.assign(2 * doubles, -2.0);  // touched: counted as resident now
    bool reset = reset_peak_rss();
    int64_t before = reset ? peak_rss() : -1;
    if (active) {
        MPI_Request rq[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
        if (me() == receiver) {
            ASSERT_EQ(MPI_SUCCESS, MPI_Irecv(dst.data(), count, vec, sender, 5, MPI_COMM_WORLD, &rq[0]));
        }
        if (me() == sender) {
            ASSERT_EQ(MPI_SUCCESS, MPI_Isend(src.data(), count, vec, receiver, 5, MPI_COMM_WORLD, &rq[1]));
        }
        ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, rq, MPI_STATUSES_IGNORE));
    }
    int64_t after = peak_rss();
    if (reset && active) {
        int64_t grew = after - before;
        EXPECT_LT(grew, bound) << "peak resident memory grew by " << (grew >> 20)
                               << " MiB during a " << mib << " MiB transfer";
    }
    if (me() == receiver) {
        uint64_t bad = 0;
        for (uint64_t i = 0; i < doubles; ++i)
            bad += dst[2 * i] != static_cast<double>(i) || dst[2 * i + 1] != -2.0;
        EXPECT_EQ(0u, bad);
    }
    MPI_Type_free(&vec);
    MPI_Barrier(MPI_COMM_WORLD);
}

// The other point-to-point calls stream too: persistent requests started twice (the data
// changes between starts), Sendrecv and Isendrecv, at a size past several segments.
TEST(Stream, PersistentAndSendrecvStream) {
    const uint64_t count = 400000;  // 1.2 MB packed
    MPI_Datatype t = holes(3, 5);
    std::vector<uint8_t> sbuf = fill_holes(me(), count, 3, 5);
    std::vector<uint8_t> rbuf(count * 5 + 1, 0xEE);
    MPI_Request rq[2];
    ASSERT_EQ(MPI_SUCCESS, MPI_Recv_init(rbuf.data(), static_cast<int>(count), t, left(), 11,
                                         MPI_COMM_WORLD, &rq[0]));
    ASSERT_EQ(MPI_SUCCESS, MPI_Send_init(sbuf.data(), static_cast<int>(count), t, right(), 11,
                                         MPI_COMM_WORLD, &rq[1]));
    for (int round = 0; round < 2; ++round) {
        if (round == 1) {  // new data for the second start
            for (uint64_t e = 0; e < count; ++e) sbuf[e * 5] = static_cast<uint8_t>(sbuf[e * 5] ^ 0x5A);
        }
        std::fill(rbuf.begin(), rbuf.end(), 0xEE);
        ASSERT_EQ(MPI_SUCCESS, MPI_Startall(2, rq));
        ASSERT_EQ(MPI_SUCCESS, MPI_Waitall(2, rq, MPI_STATUSES_IGNORE));
        std::vector<uint8_t> want = fill_holes(left(), count, 3, 5);
        if (round == 1)
            for (uint64_t e = 0; e < count; ++e) want[e * 5] = static_cast<uint8_t>(want[e * 5] ^ 0x5A);
        uint64_t bad = 0;
        for (size_t j = 0; j < rbuf.size(); ++j) bad += rbuf[j] != want[j];
        EXPECT_EQ(0u, bad) << "persistent round " << round;
    }
    MPI_Request_free(&rq[0]);
    MPI_Request_free(&rq[1]);
    sbuf = fill_holes(me(), count, 3, 5);
    // Sendrecv: holes both ways; Isendrecv: holes -> contiguous bytes.
    std::fill(rbuf.begin(), rbuf.end(), 0xEE);
    ASSERT_EQ(MPI_SUCCESS, MPI_Sendrecv(sbuf.data(), static_cast<int>(count), t, right(), 12,
                                        rbuf.data(), static_cast<int>(count), t, left(), 12,
                                        MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    EXPECT_EQ(0u, check_holes(rbuf, left(), count * 3, 3, 5)) << "sendrecv";
    std::vector<uint8_t> flat(count * 3 + 1, 0xEE);
    MPI_Request r;
    ASSERT_EQ(MPI_SUCCESS, MPI_Isendrecv(sbuf.data(), static_cast<int>(count), t, right(), 13,
                                         flat.data(), static_cast<int>(count * 3), MPI_BYTE,
                                         left(), 13, MPI_COMM_WORLD, &r));
    ASSERT_EQ(MPI_SUCCESS, MPI_Wait(&r, MPI_STATUS_IGNORE));
    EXPECT_EQ(0u, check_holes(flat, left(), count * 3, 1, 1)) << "isendrecv";
    MPI_Type_free(&t);
}

// Reductions with a predefined op on a vector of doubles with holes: the results land in the
// data positions, the holes are left alone (every form: test_dtcoll_reduce.cpp).
TEST(Stream, ReductionsOnTypesWithHoles) {
    ReturnErrors quiet;
    MPI_Datatype vec;  // 4 doubles at stride 2: 4 values, 4 holes
    MPI_Type_vector(4, 1, 2, MPI_DOUBLE, &vec);
    MPI_Type_commit(&vec);
    MPI_Aint lb, ext;
    MPI_Type_get_extent(vec, &lb, &ext);
    const int count = 3, per = 4;
    const size_t span = static_cast<size_t>(count) * static_cast<size_t>(ext) / sizeof(double) + 2;
    // Element k (k-th double of the packed data) of rank r's input.
    auto val = [](int r, int k) { return r + 0.5 * k; };
    auto at = [&](int k) {  // index of packed double k in a buffer of `vec` elements
        return static_cast<size_t>(k / per) * static_cast<size_t>(ext) / sizeof(double) +
               static_cast<size_t>(k % per) * 2;
    };
    auto fill = [&](std::vector<double>& b, int elems) {
        b.assign(static_cast<size_t>(elems) * static_cast<size_t>(ext) / sizeof(double) + 2, -7.0);
        for (int k = 0; k < elems * per; ++k) b[at(k)] = val(me(), k);
    };
    auto holes_ok = [&](const std::vector<double>& b, int elems) {
        std::vector<bool> data(b.size(), false);
        for (int k = 0; k < elems * per; ++k) data[at(k)] = true;
        for (size_t i = 0; i < b.size(); ++i)
            if (!data[i] && b[i] != -7.0) return false;
        return true;
    };
    int p = np(), r = me();
    std::vector<double> in, out;
    fill(in, count);
    out.assign(span, -7.0);
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce(in.data(), out.data(), count, vec, MPI_SUM, 0, MPI_COMM_WORLD));
    if (r == 0) {
        for (int k = 0; k < count * per; ++k)
            EXPECT_EQ(p * (p - 1) / 2.0 + p * 0.5 * k, out[at(k)]) << "reduce " << k;
        EXPECT_TRUE(holes_ok(out, count));
    }
    out.assign(span, -7.0);
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(in.data(), out.data(), count, vec, MPI_MAX, MPI_COMM_WORLD));
    for (int k = 0; k < count * per; ++k) EXPECT_EQ(val(p - 1, k), out[at(k)]) << "allreduce " << k;
    EXPECT_TRUE(holes_ok(out, count));
    fill(out, count);  // in place
    ASSERT_EQ(MPI_SUCCESS, MPI_Allreduce(MPI_IN_PLACE, out.data(), count, vec, MPI_MIN, MPI_COMM_WORLD));
    for (int k = 0; k < count * per; ++k) EXPECT_EQ(val(0, k), out[at(k)]) << "in place " << k;
    EXPECT_TRUE(holes_ok(out, count));
    out.assign(span, -7.0);
    ASSERT_EQ(MPI_SUCCESS, MPI_Scan(in.data(), out.data(), count, vec, MPI_SUM, MPI_COMM_WORLD));
    for (int k = 0; k < count * per; ++k)
        EXPECT_EQ(r * (r + 1) / 2.0 + (r + 1) * 0.5 * k, out[at(k)]) << "scan " << k;
    out.assign(span, -7.0);
    ASSERT_EQ(MPI_SUCCESS, MPI_Exscan(in.data(), out.data(), count, vec, MPI_SUM, MPI_COMM_WORLD));
    if (r > 0) {
        for (int k = 0; k < count * per; ++k)
            EXPECT_EQ((r - 1) * r / 2.0 + r * 0.5 * k, out[at(k)]) << "exscan " << k;
    }
    EXPECT_TRUE(holes_ok(out, count));
    // Reduce_scatter_block: count elements each out of count * p.
    std::vector<double> big;
    fill(big, count * p);
    out.assign(span, -7.0);
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_scatter_block(big.data(), out.data(), count, vec, MPI_SUM,
                                                    MPI_COMM_WORLD));
    for (int k = 0; k < count * per; ++k)
        EXPECT_EQ(p * (p - 1) / 2.0 + p * 0.5 * (r * count * per + k), out[at(k)]) << "rsb " << k;
    EXPECT_TRUE(holes_ok(out, count));
    // Reduce_scatter with counts 1, 2, 1, 2, ...
    std::vector<int> counts(static_cast<size_t>(p));
    int total = 0, before = 0;
    for (int i = 0; i < p; ++i) {
        counts[static_cast<size_t>(i)] = 1 + i % 2;
        if (i < r) before += counts[static_cast<size_t>(i)];
        total += counts[static_cast<size_t>(i)];
    }
    fill(big, total);
    out.assign(span, -7.0);
    ASSERT_EQ(MPI_SUCCESS, MPI_Reduce_scatter(big.data(), out.data(), counts.data(), vec, MPI_SUM,
                                              MPI_COMM_WORLD));
    for (int k = 0; k < counts[static_cast<size_t>(r)] * per; ++k)
        EXPECT_EQ(p * (p - 1) / 2.0 + p * 0.5 * (before * per + k), out[at(k)]) << "rs " << k;
    EXPECT_TRUE(holes_ok(out, counts[static_cast<size_t>(r)]));
    MPI_Type_free(&vec);
}

}  // namespace

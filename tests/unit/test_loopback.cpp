// The engine without a fabric: several engines in this process joined by loopback transports
// (pml/transport.hpp). Every protocol (eager, synchronous, spill, rendezvous, both streamed
// forms, self) with the data checked, arrival out of order, and transport failures injected
// into one link: the requests to that peer fail with a message naming it, the others go on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "pml/engine.hpp"

using namespace efampi::pml;

namespace {

// Engines 0..n-1 joined pairwise; links[from][to] is what `from` pushes through to `to`.
struct World {
    explicit World(int n, bool in_place = true) : inbox(static_cast<size_t>(n)), links(static_cast<size_t>(n)) {
        for (int i = 0; i < n; ++i) {
            links[static_cast<size_t>(i)].resize(static_cast<size_t>(n));
            for (int j = 0; j < n; ++j) {
                links[static_cast<size_t>(i)][static_cast<size_t>(j)].to = &inbox[static_cast<size_t>(j)];
                links[static_cast<size_t>(i)][static_cast<size_t>(j)].in_place = in_place;
            }
        }
        for (int i = 0; i < n; ++i) {
            std::vector<LoopLink*> mine;
            for (int j = 0; j < n; ++j) mine.push_back(i == j ? nullptr : &link(i, j));
            eng.push_back(std::make_unique<Engine>());
            eng.back()->init_loopback(i, n, &inbox[static_cast<size_t>(i)], mine);
        }
    }
    ~World() {
        // The last answers (fins of spilled sends, stream acks) still in the inboxes are
        // handled, so that nothing the engines hold is left behind.
        for (int round = 0; round < 100; ++round)
            for (auto& e : eng) e->progress();
        for (auto& e : eng) e->finalize();
    }
    Engine& operator[](int i) { return *eng[static_cast<size_t>(i)]; }
    LoopLink& link(int from, int to) { return links[static_cast<size_t>(from)][static_cast<size_t>(to)]; }
    // Progresses every engine until `done` holds; false after too many rounds (a hang).
    template <class Done>
    bool run(Done done) {
        for (int round = 0; round < 200000; ++round) {
            if (done()) return true;
            for (auto& e : eng) e->progress();
        }
        return done();
    }
    std::vector<Loopback> inbox;
    std::vector<std::vector<LoopLink>> links;
    std::vector<std::unique_ptr<Engine>> eng;
};

std::vector<uint8_t> pattern(size_t n, int seed) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + static_cast<size_t>(seed) * 7 + 1);
    return v;
}

// 8 data bytes in every 16: the packed stream is half the buffer.
struct Strided : Layout {
    uint8_t* base;
    explicit Strided(uint8_t* b) : Layout{pack_fn, unpack_fn}, base(b) {}
    static void pack_fn(const Layout* l, uint64_t off, uint64_t len, void* out) {
        auto* s = static_cast<const Strided*>(l);
        for (uint64_t i = 0; i < len; ++i) static_cast<uint8_t*>(out)[i] = s->base[at(off + i)];
    }
    static void unpack_fn(const Layout* l, uint64_t off, uint64_t len, const void* in) {
        auto* s = static_cast<const Strided*>(l);
        for (uint64_t i = 0; i < len; ++i) s->base[at(off + i)] = static_cast<const uint8_t*>(in)[i];
    }
    static uint64_t at(uint64_t packed) { return packed / 8 * 16 + packed % 8; }
};

const std::vector<uint64_t> sizes = {0, 1, 8191, 8192, 8193, 65536, 300000};

}  // namespace

TEST(Loopback, EveryPairEverySizeExpectedAndUnexpected) {
    World w(3);
    for (bool post_first : {true, false}) {
        for (uint64_t n : sizes) {
            std::vector<std::vector<uint8_t>> out, in;
            std::vector<Request*> sends, recvs;
            auto post_recvs = [&] {
                for (int to = 0; to < 3; ++to)
                    for (int from = 0; from < 3; ++from) {
                        in.emplace_back(n + 16, 0xEE);
                        recvs.push_back(w[to].irecv(in.back().data(), n, from, 10 + from, 7));
                    }
            };
            in.reserve(9);
            out.reserve(9);
            if (post_first) post_recvs();
            for (int from = 0; from < 3; ++from)
                for (int to = 0; to < 3; ++to) {
                    out.push_back(pattern(n, from * 3 + to));
                    sends.push_back(w[from].isend(out.back().data(), n, to, from, 10 + from, 7, false));
                }
            if (!post_first) post_recvs();
            ASSERT_TRUE(w.run([&] {
                for (Request* r : sends) if (!r->done) return false;
                for (Request* r : recvs) if (!r->done) return false;
                return true;
            })) << n << " bytes";
            for (int to = 0; to < 3; ++to)
                for (int from = 0; from < 3; ++from) {
                    Request* r = recvs[static_cast<size_t>(to * 3 + from)];
                    EXPECT_EQ(r->err, 0);
                    EXPECT_EQ(r->st_source, from);
                    EXPECT_EQ(r->st_tag, 10 + from);
                    EXPECT_EQ(r->st_bytes, n);
                    const auto& got = in[static_cast<size_t>(to * 3 + from)];
                    std::vector<uint8_t> want = pattern(n, from * 3 + to);
                    EXPECT_TRUE(std::equal(want.begin(), want.end(), got.begin())) << n << " bytes " << from << "->" << to;
                    EXPECT_EQ(got[n], 0xEE);  // nothing past the message
                    w[to].release(r);
                }
            for (int i = 0; i < 9; ++i) w[i / 3].release(sends[static_cast<size_t>(i)]);
        }
    }
}

TEST(Loopback, SynchronousSendCompletesOnlyOnceMatched) {
    World w(2);
    for (uint64_t n : {uint64_t{8}, uint64_t{100000}}) {
        std::vector<uint8_t> out = pattern(n, 1), in(n);
        Request* s = w[0].isend(out.data(), n, 1, 0, 5, 1, true);
        for (int i = 0; i < 50; ++i) { w[0].progress(); w[1].progress(); }
        EXPECT_FALSE(s->done) << n;
        Request* r = w[1].irecv(in.data(), n, 0, 5, 1);
        ASSERT_TRUE(w.run([&] { return s->done && r->done; }));
        EXPECT_EQ(in, out);
        w[0].release(s);
        w[1].release(r);
    }
}

TEST(Loopback, ArrivalsOutOfOrderAreMatchedInSendOrder) {
    World w(2);
    std::vector<int> vals = {1, 2, 3, 4, 5, 6};
    for (int& v : vals) w[0].send(&v, sizeof v, 1, 0, 3, 1, false);
    std::reverse(w.inbox[1].inbox.begin(), w.inbox[1].inbox.end());
    for (int v : vals) {
        int got = 0;
        Request* r = w[1].irecv(&got, sizeof got, any_source, any_tag, 1);
        ASSERT_TRUE(w.run([&] { return r->done; }));
        EXPECT_EQ(got, v);
        w[1].release(r);
    }
}

TEST(Loopback, LayoutsOnEitherSideBothStreamForms) {
    for (bool in_place : {true, false}) {
        World w(2, in_place);
        for (uint64_t n : {uint64_t{100}, uint64_t{8193}, uint64_t{1} << 20}) {
            for (int holes = 1; holes < 4; ++holes) {  // 1 sender, 2 receiver, 3 both
                std::vector<uint8_t> src = pattern(2 * n, 3), dst(2 * n, 0);
                Strided ls(src.data()), lr(dst.data());
                Request* s = (holes & 1) ? w[0].isend(nullptr, n, 1, 0, 1, 2, false, &ls)
                                         : w[0].isend(src.data(), n, 1, 0, 1, 2, false);
                Request* r = (holes & 2) ? w[1].irecv(nullptr, n, 0, 1, 2, &lr)
                                         : w[1].irecv(dst.data(), n, 0, 1, 2);
                ASSERT_TRUE(w.run([&] { return s->done && r->done; }));
                EXPECT_EQ(r->err, 0);
                EXPECT_EQ(r->st_bytes, n);
                for (uint64_t i = 0; i < n; ++i) {
                    uint8_t want = (holes & 1) ? src[Strided::at(i)] : src[i];
                    uint8_t got = (holes & 2) ? dst[Strided::at(i)] : dst[i];
                    ASSERT_EQ(got, want) << "byte " << i << " of " << n << " holes " << holes
                                         << (in_place ? " in place" : " slots");
                }
                w[0].release(s);
                w[1].release(r);
            }
        }
    }
}

TEST(Loopback, TruncatedRendezvousTakesWhatFits) {
    World w(2);
    std::vector<uint8_t> out = pattern(100000, 2), in(50000);
    Request* s = w[0].isend(out.data(), out.size(), 1, 0, 1, 1, false);
    Request* r = w[1].irecv(in.data(), in.size(), 0, 1, 1);
    ASSERT_TRUE(w.run([&] { return s->done && r->done; }));
    EXPECT_EQ(r->err, err_truncate);
    EXPECT_EQ(r->st_bytes, in.size());
    EXPECT_TRUE(std::equal(in.begin(), in.end(), out.begin()));
    EXPECT_EQ(s->err, 0);
    w[0].release(s);
    w[1].release(r);
}

TEST(Loopback, OverTheCreditSendsSpillAndStillArrive) {
    setenv("EFAMPI_UNEXPECTED_LIMIT", "1", 1);  // the credit falls to its floor: 64 messages
    World w(2);
    unsetenv("EFAMPI_UNEXPECTED_LIMIT");
    const int n = 400;  // 400 x 8 KiB: far beyond the credit, so most of them spill
    const int64_t credit = w[0].credit_per_peer();
    std::vector<std::vector<uint8_t>> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(pattern(8192, i));
        ASSERT_EQ(w[0].send(out.back().data(), 8192, 1, 0, i, 1, false), 0);
    }
    ASSERT_LT(credit, static_cast<int64_t>(n) * 8192 / 4);  // (the setup spills)
    for (int i = 0; i < n; ++i) {
        std::vector<uint8_t> in(8192);
        Request* r = w[1].irecv(in.data(), in.size(), 0, i, 1);
        ASSERT_TRUE(w.run([&] { return r->done; }));
        ASSERT_EQ(in, out[static_cast<size_t>(i)]) << i;
        w[1].release(r);
    }
    // Everything consumed: the unexpected queue is empty again.
    EXPECT_EQ(w[1].unexpected_count(), 0u);
}

TEST(Loopback, FailedLinkFailsRequestsToThatPeerOnly) {
    World w(3);
    std::vector<uint8_t> big = pattern(100000, 4), in(100000);
    // A rendezvous under way to rank 1 (its rts is out; the fin will never come back).
    Request* pending = w[0].isend(big.data(), big.size(), 1, 0, 9, 1, false);
    EXPECT_FALSE(pending->done);
    w[0].inject_fault(1, 0);  // every further message from 0 to 1 fails
    int v = 42;
    Request* s = w[0].isend(&v, sizeof v, 1, 0, 1, 1, false);
    ASSERT_TRUE(s->done);
    EXPECT_EQ(s->err, err_other);
    const char* why = w[0].failure_of(s);
    ASSERT_NE(why, nullptr);
    EXPECT_NE(std::string(why).find("rank 1"), std::string::npos) << why;
    EXPECT_NE(std::string(why).find("loopback"), std::string::npos) << why;
    EXPECT_NE(std::string(why).find("injected fault"), std::string::npos) << why;
    // The rendezvous waiting on rank 1 failed with it, and later sends fail at once.
    EXPECT_TRUE(pending->done);
    EXPECT_EQ(pending->err, err_other);
    EXPECT_EQ(w[0].send(&v, sizeof v, 1, 0, 1, 1, false), err_other);
    Request* s2 = w[0].isend(big.data(), big.size(), 1, 0, 1, 1, true);
    EXPECT_TRUE(s2->done);
    EXPECT_EQ(s2->err, err_other);
    // What rank 1 sends still arrives and matches at rank 0.
    int back = 0, five = 5;
    Request* rb = w[0].irecv(&back, sizeof back, 1, 77, 1);
    ASSERT_EQ(w[1].send(&five, sizeof five, 0, 1, 77, 1, false), 0);
    ASSERT_TRUE(w.run([&] { return rb->done; }));
    EXPECT_EQ(back, 5);
    EXPECT_EQ(rb->err, 0);
    w[0].release(rb);
    // Rank 2 is not affected.
    Request* r2 = w[2].irecv(in.data(), in.size(), 0, 9, 1);
    Request* s3 = w[0].isend(big.data(), big.size(), 2, 0, 9, 1, false);
    ASSERT_TRUE(w.run([&] { return r2->done && s3->done; }));
    EXPECT_EQ(r2->err, 0);
    EXPECT_EQ(in, big);
    EXPECT_EQ(w[0].failure_of(s3), nullptr);
    for (Request* r : {pending, s, s2, s3}) w[0].release(r);
    w[2].release(r2);
}

TEST(Loopback, FailedReadFailsTheReceiveAndReleasesTheSender) {
    World w(2);
    w.link(1, 0).fail_reads = true;  // rank 1 cannot read rank 0's memory
    std::vector<uint8_t> out = pattern(100000, 5), in(100000);
    Request* s = w[0].isend(out.data(), out.size(), 1, 0, 1, 1, false);
    Request* r = w[1].irecv(in.data(), in.size(), 0, 1, 1);
    ASSERT_TRUE(w.run([&] { return s->done && r->done; }));
    EXPECT_EQ(r->err, err_other);
    ASSERT_NE(w[1].failure_of(r), nullptr);
    std::string why = w[1].failure_of(r);
    EXPECT_NE(why.find("rank 0"), std::string::npos) << why;
    EXPECT_NE(why.find("read"), std::string::npos) << why;
    EXPECT_EQ(s->err, 0);
    // Messages still flow both ways afterwards.
    int v = 7, got = 0;
    Request* r2 = w[1].irecv(&got, sizeof got, 0, 2, 1);
    ASSERT_EQ(w[0].send(&v, sizeof v, 1, 0, 2, 1, false), 0);
    ASSERT_TRUE(w.run([&] { return r2->done; }));
    EXPECT_EQ(got, 7);
    w[0].release(s);
    w[1].release(r);
    w[1].release(r2);
}

TEST(Loopback, FailedRegistrationFailsThatSendOnly) {
    for (bool in_place : {true, false}) {
        World w(2, in_place);
        w.link(0, 1).fail_expose = true;
        std::vector<uint8_t> out = pattern(100000, 6), in(100000);
        std::vector<uint8_t> holed = pattern(200000, 6);
        Strided ls(holed.data());
        Request* s = w[0].isend(out.data(), out.size(), 1, 0, 1, 1, false);
        EXPECT_TRUE(s->done);
        EXPECT_EQ(s->err, err_other);
        ASSERT_NE(w[0].failure_of(s), nullptr);
        EXPECT_NE(std::string(w[0].failure_of(s)).find("registration"), std::string::npos);
        // A streamed send: in place it needs no registration; with slots, the receiver is told.
        Request* ss = w[0].isend(nullptr, 100000, 1, 0, 2, 1, false, &ls);
        Request* rs = w[1].irecv(in.data(), in.size(), 0, 2, 1);
        ASSERT_TRUE(w.run([&] { return ss->done && rs->done; }));
        EXPECT_EQ(ss->err, in_place ? 0 : err_other);
        EXPECT_EQ(rs->err, in_place ? 0 : err_other);
        if (!in_place) {
            ASSERT_NE(w[1].failure_of(rs), nullptr);
            EXPECT_NE(std::string(w[1].failure_of(rs)).find("rank 0"), std::string::npos);
        }
        // No sequence number was lost: the next message matches normally.
        int v = 3, got = 0;
        Request* r = w[1].irecv(&got, sizeof got, 0, 1, 1);
        ASSERT_EQ(w[0].send(&v, sizeof v, 1, 0, 1, 1, false), 0);
        ASSERT_TRUE(w.run([&] { return r->done; }));
        EXPECT_EQ(got, 3);
        EXPECT_EQ(r->err, 0);
        for (Request* x : {s, ss}) w[0].release(x);
        for (Request* x : {rs, r}) w[1].release(x);
    }
}

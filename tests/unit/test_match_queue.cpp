// The matching engine's queues, without any fabric: wildcard rules, posting and arrival order,
// context isolation.
#include <gtest/gtest.h>

#include <vector>

#include "pml/match_queue.hpp"
#include "pml/wire.hpp"

using namespace efampi::pml;

namespace {

Request recv(uint32_t ctx, int src, int tag) {
    Request r;
    r.ctx = ctx;
    r.src = src;
    r.tag = tag;
    return r;
}

Incoming msg(uint32_t ctx, int src, int tag, uint32_t seq = 0) {
    Incoming m;
    m.ctx = ctx;
    m.src = src;
    m.tag = tag;
    m.seq = seq;
    return m;
}

TEST(MatchQueue, ExactAndWildcards) {
    EXPECT_TRUE(matches(1, 2, 3, 1, 2, 3));
    EXPECT_FALSE(matches(1, 2, 3, 0, 2, 3));  // another communicator never matches
    EXPECT_FALSE(matches(1, 2, 3, 1, 4, 3));
    EXPECT_FALSE(matches(1, 2, 3, 1, 2, 4));
    EXPECT_TRUE(matches(1, any_source, 3, 1, 9, 3));
    EXPECT_TRUE(matches(1, 2, any_tag, 1, 2, 77));
    EXPECT_TRUE(matches(1, any_source, any_tag, 1, 5, 0));
    EXPECT_FALSE(matches(1, any_source, any_tag, 2, 5, 0));
}

TEST(MatchQueue, PostedReceivesMatchInPostingOrder) {
    MatchQueue q;
    Request a = recv(0, any_source, 5), b = recv(0, 1, 5), c = recv(0, 1, any_tag);
    q.post(&a);
    q.post(&b);
    q.post(&c);
    EXPECT_EQ(&a, q.take_posted(0, 1, 5));  // the wildcard was posted first
    EXPECT_EQ(&b, q.take_posted(0, 1, 5));
    EXPECT_EQ(&c, q.take_posted(0, 1, 5));
    EXPECT_EQ(nullptr, q.take_posted(0, 1, 5));
    EXPECT_EQ(0u, q.posted_count());
}

TEST(MatchQueue, UnexpectedMessagesMatchInArrivalOrder) {
    MatchQueue q;
    std::vector<Incoming> ms = {msg(0, 1, 7, 0), msg(0, 2, 7, 0), msg(0, 1, 8, 1),
                                msg(3, 1, 7, 2), msg(0, 1, 7, 3)};
    for (auto& m : ms) q.push_unexpected(&m);
    Request r = recv(0, 1, 7);
    EXPECT_EQ(&ms[0], q.take_unexpected(r));
    EXPECT_EQ(&ms[4], q.take_unexpected(r));  // skips other sources, tags and contexts
    EXPECT_EQ(nullptr, q.take_unexpected(r));
    Request any = recv(0, any_source, any_tag);
    EXPECT_EQ(&ms[1], q.peek_unexpected(0, any_source, any_tag));
    EXPECT_EQ(&ms[1], q.take_unexpected(any));
    EXPECT_EQ(&ms[2], q.take_unexpected(any));
    EXPECT_EQ(nullptr, q.take_unexpected(any));  // ctx 3 is not ours
    EXPECT_EQ(1u, q.unexpected_count());
}

TEST(MatchQueue, RemovePostedOnlyOnce) {
    MatchQueue q;
    Request a = recv(0, 0, 0), b = recv(0, 0, 0);
    q.post(&a);
    q.post(&b);
    EXPECT_TRUE(q.remove_posted(&a));
    EXPECT_FALSE(q.remove_posted(&a));
    EXPECT_EQ(&b, q.take_posted(0, 0, 0));
}

TEST(IntrusiveList, InsertSortedAndPushFront) {
    std::vector<Incoming> ms(6);
    uint32_t seqs[] = {5, 7, 6, 2, 9, 0xffffffffu};
    IntrusiveList<Incoming> l;
    auto less = [](const Incoming* a, const Incoming* b) {
        return static_cast<int32_t>(a->seq - b->seq) < 0;  // wrap-around aware
    };
    for (size_t i = 0; i < 5; ++i) {
        ms[i].seq = seqs[i];
        l.insert_sorted(&ms[i], less);
    }
    ms[5].seq = seqs[5];
    l.push_front(&ms[5]);  // 2^32-1 comes before 2 after wrap-around
    std::vector<uint32_t> got;
    while (Incoming* x = l.pop_front()) got.push_back(x->seq);
    EXPECT_EQ((std::vector<uint32_t>{0xffffffffu, 2, 5, 6, 7, 9}), got);
    EXPECT_TRUE(l.empty());
}

TEST(Wire, HeaderLayoutIsStable) {
    EXPECT_EQ(32u, sizeof(Header));
    EXPECT_EQ(0u, offsetof(Header, kind));
    EXPECT_EQ(4u, offsetof(Header, ctx));
    EXPECT_EQ(8u, offsetof(Header, src));
    EXPECT_EQ(12u, offsetof(Header, tag));
    EXPECT_EQ(16u, offsetof(Header, seq));
    EXPECT_EQ(20u, offsetof(Header, src_world));
    EXPECT_EQ(24u, offsetof(Header, cookie));
    EXPECT_EQ(56u, rts_bytes);
    EXPECT_TRUE(is_matchable(Kind::eager));
    EXPECT_TRUE(is_matchable(Kind::rts));
    EXPECT_FALSE(is_matchable(Kind::ack));
    EXPECT_FALSE(is_matchable(Kind::fin));
}

}  // namespace

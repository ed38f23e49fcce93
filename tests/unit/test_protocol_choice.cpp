// The protocol choice (pml/protocol_choice.hpp) branch by branch, on both sides of every
// threshold: the eager limit and the credit an eager message costs.
#include <gtest/gtest.h>

#include "pml/protocol_choice.hpp"

using namespace efampi::pml;

namespace {

constexpr uint64_t limit = 8192;
constexpr int64_t plenty = int64_t{1} << 40;

Protocol choose(uint64_t bytes, bool sync, bool dense, int64_t credit, bool self = false) {
    return choose_protocol({bytes, sync, dense, self, limit, credit});
}

}  // namespace

TEST(ProtocolChoice, SelfWhateverTheSize) {
    for (uint64_t b : {uint64_t{0}, limit, limit + 1, uint64_t{1} << 30})
        for (bool sync : {false, true})
            for (bool dense : {false, true})
                EXPECT_EQ(choose(b, sync, dense, 0, true), Protocol::self) << b;
}

TEST(ProtocolChoice, EagerUpToTheLimitThenRendezvous) {
    EXPECT_EQ(choose(0, false, true, plenty), Protocol::eager);
    EXPECT_EQ(choose(limit, false, true, plenty), Protocol::eager);
    EXPECT_EQ(choose(limit + 1, false, true, plenty), Protocol::rndv);
    EXPECT_EQ(choose(limit, true, true, plenty), Protocol::eager);  // sync: eager + ack
    EXPECT_EQ(choose(limit + 1, true, true, plenty), Protocol::rndv);
}

TEST(ProtocolChoice, NonContiguousStreamsBeyondEager) {
    EXPECT_EQ(choose(limit, false, false, plenty), Protocol::eager);  // packed, then eager
    EXPECT_EQ(choose(limit + 1, false, false, plenty), Protocol::stream);
    EXPECT_EQ(choose(limit + 1, true, false, plenty), Protocol::stream);
}

TEST(ProtocolChoice, CreditDecidesBetweenEagerAndSpill) {
    const uint64_t b = 1000;
    const int64_t cost = eager_charge(b);
    EXPECT_EQ(cost, static_cast<int64_t>(b + credit_overhead));
    EXPECT_EQ(choose(b, false, true, cost), Protocol::eager);      // exactly enough
    EXPECT_EQ(choose(b, false, true, cost - 1), Protocol::spill);  // one byte short
    EXPECT_EQ(choose(b, false, false, cost - 1), Protocol::spill);
    EXPECT_EQ(choose(0, false, true, eager_charge(0) - 1), Protocol::spill);
    // Negative credit (a peer that has not returned any yet) spills too.
    EXPECT_EQ(choose(b, false, true, -5), Protocol::spill);
}

TEST(ProtocolChoice, SynchronousOverTheCreditGoesByRendezvousFromTheUserBuffer) {
    const uint64_t b = 1000;
    EXPECT_EQ(choose(b, true, true, eager_charge(b) - 1), Protocol::rndv);
    EXPECT_EQ(choose(b, true, false, eager_charge(b) - 1), Protocol::stream);
    EXPECT_EQ(choose(b, true, true, eager_charge(b)), Protocol::eager);
}

TEST(ProtocolChoice, LargeMessagesIgnoreTheCredit) {
    for (int64_t credit : {int64_t{-1}, int64_t{0}, plenty}) {
        EXPECT_EQ(choose(limit + 1, false, true, credit), Protocol::rndv);
        EXPECT_EQ(choose(uint64_t{1} << 40, false, false, credit), Protocol::stream);
    }
}

// A constexpr function: the choice can be checked at compile time too.
static_assert(choose_protocol({10, false, true, false, 100, 1000}) == Protocol::eager);
static_assert(choose_protocol({101, false, true, false, 100, 1000}) == Protocol::rndv);

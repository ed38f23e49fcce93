// The nearest-device choice of pml/nic_choice.hpp: pure, on made-up localities.
#include <gtest/gtest.h>

#include "pml/nic_choice.hpp"

namespace efampi::pml {
namespace {

using Loc = std::optional<std::vector<int>>;

TEST(NicChoice, DeviceHoldingTheRankWins) {
    // Two packages of 4 CPUs, one device on each: a rank on CPU 5 takes the second.
    std::vector<Loc> loc{std::vector<int>{0, 1, 2, 3}, std::vector<int>{4, 5, 6, 7}};
    EXPECT_EQ(choose_nearest(loc, {5}), 1u);
    EXPECT_EQ(choose_nearest(loc, {2}), 0u);
    EXPECT_EQ(choose_nearest(loc, {4, 5, 6, 7}), 1u);
}

TEST(NicChoice, OverlapBeatsDisjointBeatsUnknown) {
    std::vector<Loc> loc{std::nullopt, std::vector<int>{0, 1}, std::vector<int>{2, 3}};
    EXPECT_EQ(choose_nearest(loc, {1, 2}), 1u);  // both overlap: the earlier one
    EXPECT_EQ(choose_nearest(loc, {3, 4}), 2u);  // only the second overlaps
    EXPECT_EQ(choose_nearest(loc, {9}), 1u);     // none overlaps: a known one, the earlier
    std::vector<Loc> unknown{std::nullopt, std::nullopt};
    EXPECT_EQ(choose_nearest(unknown, {0}), 0u);
}

TEST(NicChoice, TiesAndNothingToPrefer) {
    std::vector<Loc> loc{std::vector<int>{0, 1, 2, 3}, std::vector<int>{0, 1, 2, 3}};
    EXPECT_EQ(choose_nearest(loc, {3}), 0u);    // equally near: libfabric's order
    EXPECT_EQ(choose_nearest(loc, {}), 0u);     // unbound rank
    EXPECT_EQ(choose_nearest({}, {1}), 0u);     // no candidate
}

TEST(NicChoice, UnknownDeviceAndBoundCpus) {
    // A bus address no machine has: hwloc does not list it.
    auto loc = pci_locality({PciAddress{0xfff0, 0xff, 0x1f, 7}});
    ASSERT_EQ(loc.size(), 1u);
    EXPECT_FALSE(loc[0].has_value());
    // Whatever this test runs on: an unbound process reports no binding, a bound one its CPUs.
    auto mine = bound_cpus();
    for (std::size_t i = 1; i < mine.size(); ++i) EXPECT_LT(mine[i - 1], mine[i]);
}

}  // namespace
}  // namespace efampi::pml

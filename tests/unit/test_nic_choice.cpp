// The nearest-device choice of pml/nic_choice.hpp: pure, on made-up localities.
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

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

// A network or storage PCI device this host really has (from sysfs) gets a locality: the CPUs
// near it. (hwloc keeps only such "important" devices, not bridges.)
TEST(NicChoice, RealDeviceHasLocality) {
    DIR* d = opendir("/sys/bus/pci/devices");
    if (!d) GTEST_SKIP() << "no /sys/bus/pci/devices";
    PciAddress a;
    bool found = false;
    while (dirent* e = readdir(d)) {
        unsigned dom, bus, dev, fn;
        unsigned cls = 0;
        std::string path = std::string("/sys/bus/pci/devices/") + e->d_name + "/class";
        if (FILE* f = std::fopen(path.c_str(), "r")) {
            if (std::fscanf(f, "%x", &cls) != 1) cls = 0;
            std::fclose(f);
        }
        bool net_or_storage = (cls >> 16) == 0x02 || (cls >> 16) == 0x01;
        if (net_or_storage && std::sscanf(e->d_name, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) == 4) {
            a = {static_cast<uint16_t>(dom), static_cast<uint8_t>(bus), static_cast<uint8_t>(dev),
                 static_cast<uint8_t>(fn)};
            found = true;
            break;
        }
    }
    closedir(d);
    if (!found) GTEST_SKIP() << "this host lists no network or storage PCI device";
    auto loc = pci_locality({a});
    ASSERT_EQ(loc.size(), 1u);
    ASSERT_TRUE(loc[0].has_value()) << "hwloc did not find a device sysfs lists";
    EXPECT_FALSE(loc[0]->empty());
}

}  // namespace
}  // namespace efampi::pml
